import Foundation
import Synchronization
import TestSupport
import Testing

/// Issue #29 on the built binary: one request must never crash, pin or silence the exporter.
/// Part of the serialized end-to-end suite.
extension EndToEndTests {
    /// Resident memory of a process, in bytes.
    static func residentBytes(_ pid: Int32) -> Int64 {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int64(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    /// Descriptors a process holds open.
    static func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    func seriesQuery(_ exporter: URL, _ query: String) async throws -> (status: Int, seconds: Double) {
        let url = URL(string: exporter.absoluteString + "/api/v1/series?" + query)!
        let started = Date()
        let (status, _, _) = try await HTTP.get(url)
        return (status, Date().timeIntervalSince(started))
    }

    /// The review's crash URL allocated 266 GB and aborted; its variants 0.9 to 1.7 GB.
    /// Each is answered at once, and the process lives on with its memory.
    @Test func hostileSeriesRangesNeitherCrashNorGrowTheDaemon() async throws {
        let deployment = try await deploy(flows: 20, database: "hostile.db")
        _ = try await waitForPolls(deployment.exporter, "executions", moreThan: 0, count: 3)
        let pid = deployment.serve.process.processIdentifier
        let before = Self.residentBytes(pid)
        let match = "match=etlworks_exporter_poll_success"
        let cases: [(String, Set<Int>)] = [
            ("\(match)&from=-9999999999999&tier=5m&step=2000000000", [400]),
            ("\(match)&from=0001-01-01T00:00:00Z", [400]),
            ("\(match)&from=0&tier=5m&step=2000000000", [200]),
            ("\(match)&from=0&tier=1h&step=200000", [200, 400]),
            ("\(match)&from=0&tier=1d&step=2000000000", [200]),
            ("\(match)&from=0&to=99999999999&step=1000000000&tier=raw", [200]),
            ("\(match)&from=1&to=9999999999999&step=9999999999", [200, 400])
        ]
        for (query, expected) in cases {
            let (status, seconds) = try await seriesQuery(deployment.exporter, query)
            #expect(expected.contains(status), "\(query): HTTP \(status)")
            #expect(seconds < 2, "\(query) took \(seconds) s")
            #expect(deployment.serve.process.isRunning, "\(query) ended the process: \(deployment.serve.stderr.suffix(800))")
        }
        let grown = Self.residentBytes(pid) - before
        #expect(grown < 50 << 20, "resident memory grew by \(grown >> 20) MiB")
        let (status, _, _) = try await HTTP.get(deployment.exporter.appendingPathComponent("-/healthy"))
        #expect(status == 200)
    }

    /// `(?:(?:(?:|){1000}){9}.)*` walked 18,000 instructions a character charged as one; 40 of
    /// them pinned the reader for seconds. Twenty are refused at once, one is cut off by the
    /// budget, and scrapes go on meanwhile.
    @Test func evilMatchersAnswerAtOnceAndScrapesGoOn() async throws {
        let deployment = try await deploy(flows: 40, database: "evil.db")
        _ = try await waitForPolls(deployment.exporter, "executions", moreThan: 0, count: 2)
        let evil = "(?:(?:(?:|){1000}){9}.)*"
        func encoded(_ selector: String) -> String {
            "match=" + selector.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        }
        let twenty = (0..<20).map { "l\($0)=~\"\(evil)\"" }.joined(separator: ",")
        let plain = try await seriesQuery(deployment.exporter, encoded("etlworks_flow_runs_total{flow_name=~\"orders.*\"}"))
        #expect(plain.status == 200)
        let done = Mutex(false)
        let queries = Task {
            defer { done.withLock { $0 = true } }
            var results: [(status: Int, seconds: Double)] = []
            for selector in ["etlworks_flow_runs_total{\(twenty)}", "etlworks_flow_runs_total{flow_name=~\"\(evil)\"}"] {
                for _ in 0..<3 { results.append(try await seriesQuery(deployment.exporter, encoded(selector))) }
            }
            return results
        }
        var slowestScrape = 0.0
        while !done.withLock({ $0 }) {
            let started = Date()
            _ = try await metrics(deployment.exporter)
            slowestScrape = max(slowestScrape, Date().timeIntervalSince(started))
        }
        let results = try await queries.value
        #expect(results.prefix(3).allSatisfy { $0.status == 400 }, "twenty regex matchers are refused: \(results)")
        #expect(results.allSatisfy { [200, 400].contains($0.status) }, "\(results)")
        let slowest = results.map(\.seconds).max() ?? 0
        #expect(slowest < 2, "an evil selector took \(slowest) s (the plain one \(plain.seconds) s)")
        #expect(slowestScrape < 1, "a scrape took \(slowestScrape) s meanwhile")
    }

    /// One webhook answering in 2 s and one trickling a byte a second held the dispatcher's
    /// tick: Alertmanager got no re-send and resolved every alert after 4 × resend_interval.
    /// Alertmanager's posts now stay at most resend_interval + 3 s apart, and no alert's
    /// endsAt lapses before the next post.
    @Test(.requires("python3")) func slowWebhooksNeverDelayAlertmanager() async throws {
        let posts = Mutex<[(Date, Data)]>([])
        let alertmanager = try await RecordingServer.start { request in
            if request.method == "POST" { posts.withLock { $0.append((Date(), request.body)) } }
            return (200, [:], "")
        }
        let hooks = try await SlowReceiver.start(trickleBytes: 120, delaySeconds: 2)
        defer { hooks.stop() }
        let port = hooks.port
        let deployment = try await deploy(flows: 30, database: "slow-hooks.db") { config in
            config + """

                sla:
                  - name: allowance-tiny
                    tenant: true
                    billing_usage: {max_ratio: 0.0000001}
                  - name: streak
                    consecutive_failures: 1
                notifications:
                  alertmanager: {url: \(alertmanager.url.absoluteString), resend_interval: 2s, timeout: 5s}
                  webhooks:
                    - {url: http://127.0.0.1:\(port)/slow, timeout: 10s}
                    - {url: http://127.0.0.1:\(port)/trickle, timeout: 30s}
                """
        }
        _ = deployment
        // 16 s of posts once the first arrives (eight re-sends at 2 s).
        let deadline = Date().addingTimeInterval(90)
        while posts.withLock({ $0.isEmpty }), Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        try #require(posts.withLock { !$0.isEmpty }, "Alertmanager got no post: \(deployment.serve.stderr.suffix(1500))")
        try await Task.sleep(for: .seconds(16))
        let received = posts.withLock { $0 }
        let gaps = zip(received.dropFirst(), received).map { $0.0.timeIntervalSince($1.0) }
        #expect(received.count >= 5, "\(received.count) posts in 16 s")
        #expect((gaps.max() ?? 99) <= 5, "posts \(gaps.map { String(format: "%.1f", $0) }) s apart")
        // Every alert still sent as active in the next post was valid until that post.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func alerts(_ body: Data) -> [String: Date] {
            let list = (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? []
            var byLabels: [String: Date] = [:]
            for alert in list {
                let labels = (alert["labels"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.description
                if let text = alert["endsAt"] as? String,
                    let ends = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
                {
                    byLabels[labels] = ends
                }
            }
            return byLabels
        }
        var checked = 0
        for (current, next) in zip(received, received.dropFirst()) {
            let following = alerts(next.1)
            for (labels, ends) in alerts(current.1) where ends > current.0 {
                guard let later = following[labels], later > next.0 else { continue }
                checked += 1
                #expect(ends >= next.0, "an alert's endsAt lapsed \(next.0.timeIntervalSince(ends)) s before the next post")
            }
        }
        #expect(checked > 0, "active alerts were carried from post to post")
    }

    /// 2,000 idle connections: the ones past web.max_connections (512) are closed as they
    /// come, a scraper's established connection is served under a second, and the process
    /// holds fewer than 1,100 descriptors.
    @Test(.requires("python3")) func idleConnectionsLeaveTheScraperAndTheDescriptorsAlone() async throws {
        let deployment = try await deploy(flows: 20, database: "idle.db")
        _ = try await waitForPolls(deployment.exporter, "executions", moreThan: 0)
        let script = """
            import http.client, resource, socket, sys, time
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
            port = int(sys.argv[1])
            scraper = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            scraper.request("GET", "/metrics"); scraper.getresponse().read()
            idle = []
            for _ in range(2000):
                s = socket.socket(); s.connect(("127.0.0.1", port)); idle.append(s)
            time.sleep(1)
            started = time.monotonic()
            scraper.request("GET", "/metrics"); response = scraper.getresponse(); response.read()
            print("scrape", response.status, time.monotonic() - started, flush=True)
            time.sleep(60)
            """
        let client = try ChildProcess(
            arguments: ["-c", script, String(deployment.exporter.port ?? 0)], directory: directory, name: "idle-client",
            executable: URL(fileURLWithPath: "/usr/bin/python3"))
        defer { client.stop() }
        let line = try await client.firstLine(timeout: 60)
        let parts = line.split(separator: " ")
        #expect(parts.count == 3 && parts[1] == "200", "\(line) \(client.stderr.suffix(500))")
        let seconds = Double(parts.last ?? "") ?? 99
        #expect(seconds < 1, "the established scraper waited \(seconds) s")
        let descriptors = Self.openDescriptors(deployment.serve.process.processIdentifier)
        #expect(descriptors > 0 && descriptors < 1_100, "\(descriptors) descriptors open")
        #expect(deployment.serve.process.isRunning)
    }
}
