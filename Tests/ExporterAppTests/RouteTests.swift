import ExporterBase
import ExporterConfiguration
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOFoundationEssentialsCompat
import TestSupport
import Testing
import Vocabulary

@testable import EtlworksAPI
@testable import ExporterApp
@testable import ExporterCore
@testable import Store

/// The HTTP routes in-process, on states built by hand.
@Suite struct RouteTests {
    func app(_ state: ExporterState) -> some ApplicationProtocol {
        Application(
            router: ExporterRoutes.router([
                ProbesController(state: state, apiURL: "https://app.etlworks.com/rest"), MetricsController(state: state)
            ]))
    }

    func state() -> ExporterState {
        ExporterState(storagePath: "/tmp/x.db", intervals: [.executions: 30], requests: RequestCounter())
    }

    /// An exposition without its `process_*` lines, which change at every scrape.
    static func withoutProcess(_ text: String) -> String {
        text.split(separator: "\n").filter { !$0.contains("process_") }.joined(separator: "\n")
    }

    /// The process figures client libraries export, read from /proc at each scrape, in both
    /// formats; OpenMetrics still ends with `# EOF`, once.
    @Test(.requires("promtool", "python3")) func processMetricsAreServedAtEachScrape() async throws {
        try await app(state()).test(.router) { client in
            let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            func value(_ name: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
            }
            let now = Date().timeIntervalSince1970
            #expect((value("process_cpu_seconds_total") ?? 0) > 0)
            #expect((value("process_resident_memory_bytes") ?? 0) > 1_000_000)
            #expect((value("process_virtual_memory_bytes") ?? 0) >= (value("process_resident_memory_bytes") ?? .infinity))
            #expect((value("process_open_fds") ?? 0) >= 3)
            #expect((value("process_max_fds") ?? 0) >= (value("process_open_fds") ?? .infinity))
            let start = try #require(value("process_start_time_seconds"))
            #expect(start <= now && start > now - 86400 * 30, "\(start)")
            #expect(try await Tools.promtoolCheck(Data(text.utf8)) == "")
            let openMetrics = try await client.execute(
                uri: "/metrics", method: .get, headers: [.accept: "application/openmetrics-text;version=1.0.0"]
            ) { String(buffer: $0.body) }
            #expect(openMetrics.contains("# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total "))
            #expect(openMetrics.hasSuffix("# EOF\n") && openMetrics.components(separatedBy: "# EOF").count == 2)
            #expect(try await Tools.pythonParse(Data(openMetrics.utf8), openMetrics: true) > 0)
        }
    }

    @Test func metricsNegotiatesTheFormat() async throws {
        try await app(state()).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(String(buffer: response.body).contains("# TYPE etlworks_up gauge"))
            }
            try await client.execute(
                uri: "/metrics", method: .get,
                headers: [.accept: "application/openmetrics-text;version=1.0.0"]
            ) { response in
                #expect(response.headers[.contentType]?.hasPrefix("application/openmetrics-text") == true)
                #expect(String(buffer: response.body).hasSuffix("# EOF\n"))
            }
        }
    }

    /// Renders are reused only while nothing changed: a state update or an API request
    /// counted since is always in the next scrape.
    @Test func aChangedStateIsNeverServedFromTheCache() async throws {
        let requests = RequestCounter()
        let state = ExporterState(storagePath: "/tmp/x.db", intervals: [.executions: 30], requests: requests)
        try await app(state).test(.router) { client in
            func scrape() async throws -> String {
                try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            }
            let first = try await scrape()
            #expect(Self.withoutProcess(try await scrape()) == Self.withoutProcess(first), "process_* change at each scrape")
            await state.setAgents([Agent(id: 1, name: "eu-1", online: true)])
            #expect(try await scrape().contains("etlworks_agent_up{agent_id=\"1\",agent_name=\"eu-1\"} 1"))
            requests.record(endpoint: "/v1/flows", code: "200")
            #expect(try await scrape().contains("etlworks_exporter_api_requests_total{endpoint=\"/v1/flows\",code=\"200\"} 1"))
        }
    }

    @Test(.requires("gzip")) func metricsAreGzippedWhenTheScraperAcceptsIt() async throws {
        let state = state()
        await state.setFlows((0..<50).map { FlowMetrics(flow: FlowRecord(id: Int64($0), name: "flow \($0)")) })
        try await app(state).test(.router) { client in
            let plain = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentEncoding] == nil)
                return Data(buffer: response.body)
            }
            let gzipped = try await client.execute(
                uri: "/metrics", method: .get,
                headers: [.acceptEncoding: "gzip, deflate"]
            ) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.headers[.vary] == "Accept-Encoding")
                return Data(buffer: response.body)
            }
            #expect(gzipped.starts(with: [0x1F, 0x8B]))
            #expect(gzipped.count * 5 < plain.count, "repetitive text compresses well")
            let inflated = try await Tools.run(try Tools.which("gzip"), ["-dc"], input: gzipped)
            #expect(inflated.status == 0)
            // Two gzip members: the process figures of this scrape, then the cached rest.
            #expect(inflated.stdout.hasPrefix("# HELP process_cpu_seconds_total"))
            #expect(Self.withoutProcess(inflated.stdout) == Self.withoutProcess(String(decoding: plain, as: UTF8.self)))
            try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip;q=0, identity"]) {
                response in
                #expect(response.headers[.contentEncoding] == nil)
            }
        }
    }

    /// The gzipped exposition is kept between scrapes: a buffer sized for the worst case
    /// (the input's size and more) would keep megabytes resident for a few hundred KB.
    @Test func theGzippedBytesKeepNoRoomBeyondTheirSize() throws {
        let text = (0..<20_000).map { "etlworks_flow_runs_total{flow_id=\"\($0)\",status=\"success\"} \($0 % 7)\n" }.joined()
        let gzipped = try #require(Gzip.deflate(Array(text.utf8))).stream
        #expect(gzipped.count * 10 < text.utf8.count)
        #expect(gzipped.capacity < gzipped.count + 4096, "capacity \(gzipped.capacity) for \(gzipped.count) bytes")
    }

    /// A part deflated at each scrape joins the cached stream in one gzip member, which gzip
    /// reads back whole with its CRC and length checked.
    @Test(.requires("gzip")) func aPrefixJoinsTheCachedStreamInOneGzipMember() async throws {
        let document = Array((0..<5000).map { "etlworks_flow_runs_total{flow_id=\"\($0)\"} \($0 % 7)\n" }.joined().utf8)
        let deflated = try #require(Gzip.deflate(document))
        for prefix in ["", "process_open_fds 12\n", String(repeating: "process_cpu_seconds_total 1.5\n", count: 3000)] {
            let parts = try #require(Gzip.member(prefix: Array(prefix.utf8), deflated))
            let gzipped = parts.head + deflated.stream + parts.tail
            let inflated = try await Tools.run(try Tools.which("gzip"), ["-dc"], input: Data(gzipped))
            #expect(inflated.status == 0, "\(inflated.stderr)")
            #expect(inflated.stdout == prefix + String(decoding: document, as: UTF8.self))
        }
    }

    @Test func acceptEncodingParsing() {
        #expect(Gzip.isAccepted("gzip"))
        #expect(Gzip.isAccepted("deflate, GZIP;q=0.5"))
        #expect(Gzip.isAccepted("*"))
        #expect(!Gzip.isAccepted("gzip;q=0"))
        #expect(!Gzip.isAccepted("identity"))
        #expect(!Gzip.isAccepted(nil))
    }

    @Test func healthIsWarnBeforeTheFirstPollsAndFailWhenTheAPIIsDown() async throws {
        let state = state()
        try await app(state).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode(HealthDocument.self, from: Data(buffer: response.body))
                #expect(body.status == .warn)
            }
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
            for resource in Resource.allCases {
                await state.recordPoll(resource, started: Date(), duration: 0.1, error: nil, apiAnswered: true)
            }
            try await client.execute(uri: "/health", method: .get) { response in
                let body = try JSONDecoder().decode(HealthDocument.self, from: Data(buffer: response.body))
                #expect(body.status == .pass)
            }
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .ok) }
            await state.recordPoll(
                .agents, started: Date(), duration: 5, error: "/v1/agents: request failed: timed out", apiAnswered: false)
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok, "another resource failing only warns")
                let body = try JSONDecoder().decode(HealthDocument.self, from: Data(buffer: response.body))
                #expect(body.status == .warn)
                #expect(body.resources["agents"]?.error == "/v1/agents: request failed: timed out")
                #expect(body.resources["agents"]?.result == "error")
            }
            await state.recordPoll(
                .executions, started: Date(), duration: 5,
                error: "/v1/metrics/executions: HTTP 502", apiAnswered: false)
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONDecoder().decode(HealthDocument.self, from: Data(buffer: response.body))
                #expect(body.status == .fail)
            }
            try await client.execute(uri: "/-/healthy", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func aStorageFailureFailsHealth() async throws {
        let state = state()
        for resource in Resource.allCases {
            await state.recordPoll(resource, started: Date(), duration: 0.1, error: nil, apiAnswered: true)
        }
        await state.setStorage(.failing("database /tmp/x.db: disk I/O error"))
        try await app(state).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONDecoder().decode(HealthDocument.self, from: Data(buffer: response.body))
                #expect(body.storage.status == "failing")
            }
        }
    }

    @Test func theLandingPageLinksEverything() async throws {
        try await app(state()).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                let page = String(buffer: response.body)
                for link in ["/metrics", "/health", "/-/healthy", "/-/ready"] { #expect(page.contains("href=\"\(link)\"")) }
            }
        }
    }
}

/// The quick integrity check reads the whole database: once per start, on one connection,
/// and not again when a reload reopens the same file.
@Suite struct StartupCheckTests {
    @Test func theDatabaseIsCheckedOncePerStartAndNotOnReload() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("checked.db").path
        var config = ExporterConfig(api: .init(url: URL(string: "http://127.0.0.1:9")!, credentials: .apiKey("k")))
        config.storage.path = path
        config.web.listenAddress = "127.0.0.1:0"
        _ = try await ExporterRuntime.make(config: config, logger: Logger(label: "test"))
        #expect(DatabaseFile.quickChecks(of: path) == 1, "three connections, one check")
        _ = try await ExporterRuntime.make(config: config, logger: Logger(label: "test"), verifyStorage: false)
        #expect(DatabaseFile.quickChecks(of: path) == 1, "a reload of the same file checks nothing")
    }
}
