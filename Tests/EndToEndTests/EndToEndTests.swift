import Foundation
import FoundationNetworking
import TestSupport
import Testing

/// The built binary: `serve` polling `simulate`, both as child processes, checked against the
/// simulator's ground truth.
@Suite(.serialized, .endToEnd, .requires("promtool", "python3", "prometheus", "openssl", "chattr")) struct EndToEndTests {
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }

    func startSimulator(flows: Int, extra: [String] = []) async throws -> (ChildProcess, URL) {
        let simulator = try ChildProcess(
            arguments: [
                "simulate", "--listen", "127.0.0.1:0", "--flows", "\(flows)", "--seed", "7",
                "--run-every", "2s", "--history", "30m"
            ] + extra,
            directory: directory, name: "simulate")
        return (simulator, try await simulator.listeningURL())
    }

    /// A config polling `simulator` fast. Without `stop-transition` the simulator's `canceled`
    /// is final at once, so `stopGrace` defaults to 0s (the truth counts it at once too).
    func writeConfig(
        simulator: URL, apiKey: String = "sim-admin-key", database: String = "exporter.db", etlworks extra: String = "",
        stopGrace: String = "0s"
    ) throws -> String {
        let path = directory.appendingPathComponent("config.yaml").path
        try """
        etlworks:
          url: \(simulator.absoluteString)
          api_key: ${TEST_API_KEY}
          timeout: 5s
          max_requests_per_second: 200
          stop_grace: \(stopGrace)
          \(extra)
        poll:
          executions: 1s
          flows: 2s
          summary: 2s
          agents: 2s
          billing: 2s
          health: 2s
          backfill: 1d
        storage:
          path: \(directory.appendingPathComponent(database).path)
        web:
          listen_address: 127.0.0.1:0
        log:
          level: debug
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func startExporter(config: String, apiKey: String) async throws -> (ChildProcess, URL) {
        var environment = ProcessInfo.processInfo.environment
        environment["TEST_API_KEY"] = apiKey
        let exporter = try ChildProcess(
            arguments: ["serve", "--config", config], directory: directory, name: "serve-\(UUID().uuidString.prefix(6))",
            environment: environment)
        return (exporter, try await exporter.listeningURL())
    }

    /// `simulate` with `flows` flows and `serve` polling it. The processes stop when the
    /// returned value is released.
    struct Deployment {
        let simulator: URL
        let exporter: URL
        let processes: [ChildProcess]
        var serve: ChildProcess { processes[1] }
    }

    /// `simulator` adds arguments to `simulate` (quirks and the like); `edit` changes the
    /// config's text before `serve` reads it.
    func deploy(
        flows: Int, database: String, apiKey: String = "sim-admin-key", etlworks extra: String = "",
        simulator arguments: [String] = [], stopGrace: String = "0s", edit: (String) -> String = { $0 }
    ) async throws -> Deployment {
        let (simulatorProcess, simulator) = try await startSimulator(flows: flows, extra: arguments)
        let config = try writeConfig(simulator: simulator, database: database, etlworks: extra, stopGrace: stopGrace)
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try edit(text).write(toFile: config, atomically: true, encoding: .utf8)
        let (exporterProcess, exporter) = try await startExporter(config: config, apiKey: apiKey)
        return Deployment(simulator: simulator, exporter: exporter, processes: [simulatorProcess, exporterProcess])
    }

    func metrics(_ exporter: URL) async throws -> (Data, [ParsedSample]) {
        let (status, data, _) = try await HTTP.get(exporter.appendingPathComponent("metrics"))
        #expect(status == 200)
        return (data, try await Exposition.parse(data))
    }

    func successfulPolls(_ samples: [ParsedSample], _ resource: String) -> Double {
        samples.first {
            $0.name == "etlworks_exporter_polls_total" && $0.labels["resource"] == resource && $0.labels["result"] == "success"
        }?.value ?? 0
    }

    /// Waits until `resource` has succeeded `count` more times than `after`.
    func waitForPolls(_ exporter: URL, _ resource: String, moreThan after: Double, count: Double = 1, timeout: Double = 60)
        async throws -> [ParsedSample]
    {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let (_, samples) = try await metrics(exporter)
            if successfulPolls(samples, resource) >= after + count { return samples }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw HarnessError("\(resource) did not poll successfully within \(timeout)s")
    }

    /// Every flow's counters, running and queued gauges and name equal the simulator's truth.
    func expectMatchesTruth(_ samples: [ParsedSample], simulator: URL) async throws {
        let truth = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/truth"))
        let flows = try #require(truth["flows"] as? [[String: Any]])
        #expect(!flows.isEmpty)
        var byFlow: [String: [ParsedSample]] = [:]
        for sample in samples where sample.name.hasPrefix("etlworks_flow_") {
            byFlow[sample.labels["flow_id"] ?? "", default: []].append(sample)
        }
        #expect(Set(byFlow.keys) == Set(flows.map { "\($0["id"]!)" }), "exactly the live flows are exported")
        var checkedRuns = 0
        for flow in flows {
            let id = "\(flow["id"]!)"
            let series = byFlow[id] ?? []
            let runs = flow["runs"] as? [String: Int] ?? [:]
            for status in ["success", "warning", "error", "canceled"] {
                let exported = series.first { $0.name == "etlworks_flow_runs_total" && $0.labels["status"] == status }?.value
                #expect(exported == Double(runs[status] ?? 0), "flow \(id) status \(status)")
                checkedRuns += runs[status] ?? 0
            }
            #expect(
                series.first { $0.name == "etlworks_flow_records_processed_total" }?.value
                    == Double(flow["records"] as? Int ?? -1),
                "flow \(id) records")
            #expect(
                series.first { $0.name == "etlworks_flow_running_runs" }?.value == Double(flow["running"] as? Int ?? -1),
                "flow \(id) running")
            #expect(
                series.first { $0.name == "etlworks_flow_queued_runs" }?.value == Double(flow["queued"] as? Int ?? -1),
                "flow \(id) queued")
            #expect(
                series.first { $0.name == "etlworks_flow_stopping_runs" }?.value == Double(flow["stopping"] as? Int ?? -1),
                "flow \(id) stopping")
            #expect(
                series.first { $0.name == "etlworks_flow_retry_runs_total" }?.value == Double(flow["retryRuns"] as? Int ?? -1),
                "flow \(id) retries")
            #expect(
                series.first { $0.name == "etlworks_flow_manual_runs_total" }?.value == Double(flow["manualRuns"] as? Int ?? -1),
                "flow \(id) manual runs")
            // The name (hostile in the simulator) is on the info metric alone, as the default has it.
            #expect(
                series.filter { $0.labels["flow_name"] != nil }.map(\.name) == ["etlworks_flow_info"],
                "flow \(id): only etlworks_flow_info carries the name")
            #expect(
                series.first { $0.name == "etlworks_flow_info" }?.labels["flow_name"] == flow["name"] as? String,
                "flow \(id) name survives exposition")
            let histogramCount = series.first { $0.name == "etlworks_flow_run_duration_seconds_count" }?.value ?? -1
            #expect(histogramCount == Double(runs.values.reduce(0, +)), "every simulated completed run has a duration")
        }
        #expect(checkedRuns > 100, "the scenario has enough runs to mean something")
    }

    @Test func serveCountsEveryRunTheSimulatorServedAndSurvivesRestart() async throws {
        let (simulatorProcess, simulator) = try await startSimulator(flows: 14)
        defer { simulatorProcess.process.terminate() }
        let config = try writeConfig(simulator: simulator)
        var (exporterProcess, exporter) = try await startExporter(config: config, apiKey: "sim-admin-key")
        defer { exporterProcess.process.terminate() }

        var samples = try await waitForPolls(exporter, "executions", moreThan: 0)
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        samples = try await waitForPolls(exporter, "executions", moreThan: successfulPolls(samples, "executions"), count: 2)
        try await expectMatchesTruth(samples, simulator: simulator)

        let (raw, _) = try await metrics(exporter)
        #expect(try await Tools.promtoolCheck(raw) == "")
        let (_, openMetrics, headers) = try await HTTP.get(
            exporter.appendingPathComponent("metrics"),
            headers: ["Accept": "application/openmetrics-text; version=1.0.0"])
        #expect(headers.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("application/openmetrics-text") == true)
        #expect(try await Tools.pythonParse(openMetrics, openMetrics: true) > 0)
        #expect(samples.contains { $0.name == "etlworks_up" && $0.value == 1 })
        #expect(samples.contains { $0.name == "etlworks_agent_up" })
        #expect(samples.contains { $0.name == "etlworks_billing_records_allowance" && $0.labels["period"] == "month" })
        #expect(samples.contains { $0.name == "etlworks_tenant_runs" })
        #expect(samples.contains { $0.name == "etlworks_instance_up" && $0.value == 1 })
        // build_info carries the revision --version prints, stamped at build time.
        let revision = await try VersionTests.builtRevision()
        #expect(revision != "unknown")
        #expect(samples.contains { $0.name == "etlworks_exporter_build_info" && $0.labels["revision"] == revision })

        let (healthStatus, healthBody, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: healthBody) as? [String: Any])
        #expect(healthStatus == 200)
        #expect(health["status"] as? String == "pass", "\(health["reasons"] ?? "")")

        // A flow deleted upstream drops its series at the next flow-list poll.
        let victim = try #require(samples.first { $0.name == "etlworks_flow_runs_total" }?.labels["flow_id"])
        _ = try await HTTP.json("DELETE", simulator.appendingPathComponent("/_sim/flows/\(victim)"))
        // Counted from after the deletion (an older count may already include polls that
        // finished before it), two polls: one may have been in flight with the old list.
        let (_, afterDelete) = try await metrics(exporter)
        samples = try await waitForPolls(exporter, "flows", moreThan: successfulPolls(afterDelete, "flows"), count: 2)
        samples = try await waitForPolls(exporter, "executions", moreThan: successfulPolls(samples, "executions"), count: 1)
        #expect(!samples.contains { $0.labels["flow_id"] == victim })
        try await expectMatchesTruth(samples, simulator: simulator)

        // Restart: counters come back unchanged from the database.
        func counters(_ samples: [ParsedSample]) -> [String] {
            samples.filter { $0.name == "etlworks_flow_runs_total" }
                .map { sample in
                    sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                        + " \(sample.value)"
                }
                .sorted()
        }
        let before = counters(samples)
        let (code, seconds) = try await exporterProcess.terminate()
        let firstRunLogs = exporterProcess.stderr
        #expect(code == 0)
        #expect(seconds < 10)
        (exporterProcess, exporter) = try await startExporter(config: config, apiKey: "sim-admin-key")
        let (_, afterRestart) = try await metrics(exporter)
        #expect(counters(afterRestart) == before)
        samples = try await waitForPolls(exporter, "executions", moreThan: 0, count: 2)
        try await expectMatchesTruth(samples, simulator: simulator)

        // The key never leaks into logs, metrics or health.
        let everything =
            firstRunLogs + exporterProcess.stderr + String(decoding: raw, as: UTF8.self)
            + String(decoding: healthBody, as: UTF8.self)
        #expect(firstRunLogs.contains("level=debug"), "the logs checked include every level")
        #expect(!everything.contains("sim-admin-key"))
    }

    @Test func anOnlineBackupWhileServeWritesIsConsistent() async throws {
        let deployment = try await deploy(flows: 10, database: "live.db")
        let exporter = deployment.exporter
        _ = try await waitForPolls(exporter, "executions", moreThan: 0, count: 2)
        let copy = directory.appendingPathComponent("live-copy.db").path
        let backup = try await Tools.run(
            Tools.exporterBinary.path,
            [
                "db", "backup", "--storage.path",
                directory.appendingPathComponent("live.db").path, copy
            ])
        #expect(backup.status == 0, "\(backup.stderr)")
        let check = try await Tools.run(Tools.exporterBinary.path, ["db", "check", "--storage.path", copy])
        #expect(check.status == 0 && check.stdout.contains("ok"))
        let stats = try await Tools.run(Tools.exporterBinary.path, ["db", "stats", "--storage.path", copy])
        let runs = stats.stdout.split(separator: "\n").first { $0.hasPrefix("runs ") }?.split(separator: " ").dropFirst().first
        #expect((runs.flatMap { Int($0) } ?? 0) > 100)
        #expect(deployment.serve.process.isRunning, "the daemon kept running")
    }

    /// `serve` killed with SIGKILL at random points while it ingests, 20 times: the database
    /// passes its integrity check after each kill, and in the end every flow's counters equal
    /// the simulator's truth (no run lost, none counted twice).
    @Test func sigkillAtRandomPointsLosesAndDoublesNothing() async throws {
        let (simulatorProcess, simulator) = try await startSimulator(flows: 8)
        defer { simulatorProcess.process.terminate() }
        let config = try writeConfig(simulator: simulator, database: "killed.db")
        let database = directory.appendingPathComponent("killed.db").path
        var environment = ProcessInfo.processInfo.environment
        environment["TEST_API_KEY"] = "sim-admin-key"
        for round in 0..<20 {
            let exporter = try ChildProcess(
                arguments: ["serve", "--config", config], directory: directory,
                name: "killed-\(round)", environment: environment)
            _ = try await exporter.listeningURL()
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500)))
            kill(exporter.process.processIdentifier, SIGKILL)
            _ = try await exporter.waitForExit()
            let check = try await Tools.run(Tools.exporterBinary.path, ["db", "check", "--storage.path", database])
            #expect(check.status == 0, "round \(round): \(check.stderr)")
        }
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        let (exporterProcess, exporter) = try await startExporter(config: config, apiKey: "sim-admin-key")
        defer { exporterProcess.process.terminate() }
        let samples = try await waitForPolls(exporter, "executions", moreThan: 0, count: 2)
        try await expectMatchesTruth(samples, simulator: simulator)
    }

    /// `serve` stores what it polls: the history API's latest value of every flow's counters
    /// equals /metrics, under the flow's (hostile) name.
    @Test func historyHoldsWhatMetricsShow() async throws {
        let deployment = try await deploy(flows: 6, database: "history.db")
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        let before = successfulPolls(try await metrics(deployment.exporter).1, "executions")
        let samples = try await waitForPolls(deployment.exporter, "executions", moreThan: before, count: 2)
        var components = URLComponents(
            url: deployment.exporter.appendingPathComponent("api/v1/series"), resolvingAgainstBaseURL: false)!
        components.queryItems = [
            URLQueryItem(name: "match", value: "etlworks_flow_runs_total"),
            URLQueryItem(name: "from", value: String(Int(Date().timeIntervalSince1970) - 600)),
            URLQueryItem(name: "to", value: String(Int(Date().timeIntervalSince1970) + 60)),
            URLQueryItem(name: "step", value: "1h")
        ]
        let (status, body, _) = try await HTTP.get(components.url!)
        #expect(status == 200)
        let data = try #require((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [String: Any])
        let series = try #require(data["series"] as? [[String: Any]])
        let exported = samples.filter { $0.name == "etlworks_flow_runs_total" && $0.value > 0 }
        #expect(!exported.isEmpty)
        // The name is on the info metric (the default); the history API shows it on every series.
        let names = Dictionary(
            samples.filter { $0.name == "etlworks_flow_info" }.map { ($0.labels["flow_id"] ?? "", $0.labels["flow_name"] ?? "") },
            uniquingKeysWith: { first, _ in first })
        for sample in exported {
            let id = try #require(sample.labels["flow_id"])
            let labels = ["flow_id": id, "flow_name": try #require(names[id]), "status": sample.labels["status"]!]
            let stored = series.first { ($0["labels"] as? [String: String]) == labels }
            let last = ((stored?["points"] as? [[String: Any]])?.last?["last"] as? NSNumber)?.doubleValue
            #expect(last == sample.value, "\(labels)")
        }
    }

    /// A real Prometheus scraping `exporter` every second, once its first scrape holds the
    /// flows' counters; `query` answers an instant query's first value.
    func startPrometheus(scraping exporter: URL, name: String, arguments extra: [String] = []) async throws -> (
        process: Process, health: String, lastError: String, query: @Sendable (String) async throws -> Double?
    ) {
        let port = try Tools.freePort()
        let prometheusConfig = directory.appendingPathComponent("\(name).yml")
        try """
        global: {scrape_interval: 1s, scrape_timeout: 1s}
        scrape_configs:
          - job_name: etlworks
            static_configs: [{targets: ["\(exporter.host!):\(exporter.port!)"]}]
        """.write(to: prometheusConfig, atomically: true, encoding: .utf8)
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: try Tools.which("prometheus"))
        prometheus.arguments =
            [
                "--config.file=\(prometheusConfig.path)", "--web.listen-address=127.0.0.1:\(port)",
                "--storage.tsdb.path=\(directory.appendingPathComponent("\(name)-tsdb").path)"
            ] + extra
        let log = directory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        prometheus.standardOutput = try FileHandle(forWritingTo: log)
        prometheus.standardError = try FileHandle(forWritingTo: log)
        try prometheus.run()
        let api = URL(string: "http://127.0.0.1:\(port)/api/v1/")!

        let query: @Sendable (String) async throws -> Double? = { expression in
            var components = URLComponents(url: api.appendingPathComponent("query"), resolvingAgainstBaseURL: false)!
            components.queryItems = [URLQueryItem(name: "query", value: expression)]
            // A form decoder reads `+` as a space: a regex's `+` must arrive encoded.
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            let (_, data, _) = try await HTTP.get(components.url!)
            let body = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let result = ((body?["data"] as? [String: Any])?["result"] as? [[String: Any]])?.first
            return ((result?["value"] as? [Any])?.last as? String).flatMap(Double.init)
        }
        let deadline = Date().addingTimeInterval(60)
        var health = ""
        var lastError = ""
        while Date() < deadline {
            if let (_, data, _) = try? await HTTP.get(api.appendingPathComponent("targets")),
                let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let target = ((body["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]])?.first
            {
                health = target["health"] as? String ?? ""
                lastError = target["lastError"] as? String ?? ""
                if health == "up", (try? await query("count(etlworks_flow_runs_total)")) != nil { break }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        return (prometheus, health, lastError, query)
    }

    /// Prometheus 2.42 with native histograms asks for protocol buffers: each flow's run-time
    /// histogram arrives native, counts every completed run, and its quantiles fall where the
    /// classic buckets (scraped as text by a second Prometheus) put them.
    @Test func aPrometheusWithNativeHistogramsScrapesThemFromTheStoredRuns() async throws {
        let deployment = try await deploy(flows: 6, database: "native.db")
        let exporter = deployment.exporter
        _ = try await waitForPolls(exporter, "executions", moreThan: 0, count: 1)
        // A still tenant: the counts Prometheus holds are those of the last scrape.
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        let polled = successfulPolls(try await metrics(exporter).1, "executions")
        _ = try await waitForPolls(exporter, "executions", moreThan: polled, count: 1)
        let native = try await startPrometheus(
            scraping: exporter, name: "native", arguments: ["--enable-feature=native-histograms"])
        defer { native.process.terminate() }
        let classic = try await startPrometheus(scraping: exporter, name: "classic")
        defer { classic.process.terminate() }
        #expect(native.health == "up" && classic.health == "up", "\(native.lastError) \(classic.lastError)")
        try await Task.sleep(for: .seconds(2))
        let (_, samples) = try await metrics(exporter)
        let flows = Set(samples.filter { $0.name == "etlworks_flow_info" }.compactMap { $0.labels["flow_id"] })
        #expect(flows.count == 6)
        for flow in flows {
            let selector = "etlworks_flow_run_duration_seconds{flow_id=\"\(flow)\"}"
            let runs = samples.filter { $0.name == "etlworks_flow_runs_total" && $0.labels["flow_id"] == flow }
                .reduce(0) { $0 + $1.value }
            #expect(runs > 0)
            #expect(try await native.query("histogram_count(\(selector))") == runs, "flow \(flow): every completed run")
            // The classic series are not ingested beside the native ones by this Prometheus.
            #expect(try await native.query("count(etlworks_flow_run_duration_seconds_bucket{flow_id=\"\(flow)\"})") == nil)
            for q in [0.5, 0.9] {
                let nativeQuantile = try #require(try await native.query("histogram_quantile(\(q), \(selector))"))
                let classicQuantile = try #require(
                    try await classic.query(
                        "histogram_quantile(\(q), etlworks_flow_run_duration_seconds_bucket{flow_id=\"\(flow)\"})"))
                // Within the classic bucket that holds the rank, widened by one native bucket (×1.09).
                let bounds = samples.filter {
                    $0.name == "etlworks_flow_run_duration_seconds_bucket" && $0.labels["flow_id"] == flow
                }
                .compactMap { Double($0.labels["le"] ?? "") }.sorted()
                let upper = bounds.first { $0 >= classicQuantile } ?? .infinity
                let lower = bounds.last { $0 < classicQuantile } ?? 0
                #expect(
                    nativeQuantile >= lower / 1.0906 && nativeQuantile <= upper * 1.0906,
                    "flow \(flow) p\(q): native \(nativeQuantile), classic \(classicQuantile) in (\(lower), \(upper)]")
            }
        }
    }

    /// A real Prometheus scrapes `serve` (it asks for OpenMetrics and gzip) and stores every
    /// flow's series.
    @Test func aRealPrometheusScrapesEverySeries() async throws {
        let deployment = try await deploy(flows: 6, database: "prom.db")
        let exporter = deployment.exporter
        _ = try await waitForPolls(exporter, "executions", moreThan: 0, count: 1)
        _ = try await waitForPolls(exporter, "flows", moreThan: 0, count: 1)

        let prometheus = try await startPrometheus(scraping: exporter, name: "prom")
        defer { prometheus.process.terminate() }
        let query = prometheus.query
        #expect(prometheus.health == "up", "Prometheus could not scrape: \(prometheus.lastError)")
        #expect(prometheus.lastError.isEmpty)
        #expect(try await query("count(etlworks_flow_runs_total)").map { $0 >= 6 * 4 } == true)
        #expect(try await query("count(etlworks_flow_run_duration_seconds_bucket)") == 6 * 16)
        #expect(try await query("etlworks_up") == 1)
        #expect(try await query("count(etlworks_exporter_build_info)") == 1)
        // The version and revision the build was stamped with (scripts/version.sh).
        #expect(
            try await query(
                #"count(etlworks_exporter_build_info{version=~"[0-9]+[.][0-9]+[.][0-9]+(-dev[+].+)?",revision=~"[0-9a-f]{12}"})"#)
                == 1)
        // The process figures (a gzip part deflated at each scrape) and the API request timings.
        #expect(try await query("process_resident_memory_bytes > 1e6 and process_max_fds >= process_open_fds") != nil)
        #expect(try await query("process_start_time_seconds <= time()") != nil)
        #expect(
            try await query(
                "sum(etlworks_exporter_api_request_duration_seconds_count) - sum(etlworks_exporter_api_requests_total)") == 0)
        #expect(try await query("sum(etlworks_exporter_api_request_duration_seconds_sum) > 0") != nil)
    }

    @Test func aKeyWithoutTheAdministratorRoleFallsBackToPerFlowHistory() async throws {
        let deployment = try await deploy(flows: 5, database: "fallback.db", apiKey: "sim-limited-key")
        let (simulator, exporter, exporterProcess) = (deployment.simulator, deployment.exporter, deployment.serve)
        var samples = try await waitForPolls(exporter, "flows", moreThan: 0)
        samples = try await waitForPolls(exporter, "executions", moreThan: 0)
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        samples = try await waitForPolls(exporter, "executions", moreThan: successfulPolls(samples, "executions"), count: 2)
        try await expectMatchesTruth(samples, simulator: simulator)
        #expect(
            samples.contains {
                $0.name == "etlworks_exporter_executions_source" && $0.labels["source"] == "history" && $0.value == 1
            })
        let (status, body, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(status == 200)
        #expect(health["status"] as? String == "warn")
        #expect((health["api"] as? [String: Any])?["executions_source"] as? String == "history")
        #expect(
            exporterProcess.stderr.components(separatedBy: "lack the Administrator role (").count == 2, "said once in the log")
    }

    @Test func aCorruptDatabaseStopsServeAndIsNotTouched() async throws {
        let database = directory.appendingPathComponent("corrupt.db")
        let garbage = Data(String(repeating: "definitely not sqlite\n", count: 300).utf8)
        try garbage.write(to: database)
        let config = try writeConfig(simulator: URL(string: "http://127.0.0.1:9")!, database: "corrupt.db")
        var environment = ProcessInfo.processInfo.environment
        environment["TEST_API_KEY"] = "k"
        let result = try await Tools.run(Tools.exporterBinary.path, ["serve", "--config", config], environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.contains(database.path))
        #expect(try Data(contentsOf: database) == garbage)
    }

    /// `check-config` of the built binary on a file `file` holding `yaml`.
    func checkConfig(_ yaml: String, file: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        let path = directory.appendingPathComponent(file).path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try await Tools.run(Tools.exporterBinary.path, ["check-config", "--config", path])
    }

    @Test func checkConfigNamesEveryBadKeyAndExitsOne() async throws {
        let result = await try checkConfig(
            "etlworks:\n  url: http://x\n  api_key: k\npoll:\n  executions: soon\n  flowz: 1m\n", file: "bad.yaml")
        #expect(result.status == 1)
        #expect(result.stderr.contains("poll.executions (line 5)"))
        #expect(result.stderr.contains("poll.flowz (line 6)"))
        let ok = await try checkConfig("etlworks:\n  url: http://x\n  api_key: super-secret-key\n", file: "good.yaml")
        #expect(ok.status == 0)
        #expect(!(ok.stdout + ok.stderr).contains("super-secret-key"))
    }
}
