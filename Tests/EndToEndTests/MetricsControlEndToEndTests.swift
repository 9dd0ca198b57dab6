import Foundation
import TestSupport
import Testing

/// `metrics.disable` on the built binary (issue #17).
extension EndToEndTests {
    @Test func disabledFamiliesAreAbsentFromTheServedMetrics() async throws {
        let deployment = try await deploy(
            flows: 4, database: "disable.db",
            edit: { $0 + "\nmetrics:\n  disable: [etlworks_flow_run_duration_seconds, etlworks_flow_last_run_status]\n" })
        let samples = try await waitForPolls(deployment.exporter, "executions", moreThan: 0)
        #expect(samples.contains { $0.name == "etlworks_flow_runs_total" })
        #expect(!samples.contains { $0.name.hasPrefix("etlworks_flow_run_duration_seconds") })
        #expect(!samples.contains { $0.name == "etlworks_flow_last_run_status" })
        let (raw, _) = try await metrics(deployment.exporter)
        #expect(try await Tools.promtoolCheck(raw) == "")
    }

    @Test func checkConfigNamesAnUnknownFamily() async throws {
        let result = await try checkConfig(
            "etlworks:\n  url: http://x\n  api_key: k\nmetrics:\n  disable: [etlworks_flow_rnus_total]\n", file: "disable.yaml")
        #expect(result.status == 1)
        #expect(result.stderr.contains("metrics.disable (line 5)") && result.stderr.contains("etlworks_flow_rnus_total"))
        #expect(result.stderr.contains("etlworks_flow_runs"), "lists the known names")
    }
}

/// `metrics.flows`, `metrics.duration_buckets` and `metrics.flow_name_label` on the built
/// binary (issue #17).
extension EndToEndTests {
    /// The simulator's live flows: id → (name, tags).
    func truthFlows(_ simulator: URL) async throws -> [String: (name: String, tags: [String])] {
        let flows = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/truth"))["flows"] as? [[String: Any]] ?? []
        return Dictionary(
            uniqueKeysWithValues: flows.map { ("\($0["id"]!)", ($0["name"] as? String ?? "", $0["tags"] as? [String] ?? [])) })
    }

    @Test func excludedFlowsAreAbsentFromMetricsYetStoredAndReported() async throws {
        let database = directory.appendingPathComponent("exclude.db").path
        let deployment = try await deploy(
            flows: 12, database: "exclude.db",
            edit: { $0 + "\nmetrics:\n  flows:\n    exclude: {tags: [nightly]}\n  duration_buckets: [1, 3, 10]\n" })
        let samples = try await waitForPolls(deployment.exporter, "executions", moreThan: 0, count: 2)
        let truth = try await truthFlows(deployment.simulator)
        let excluded = Set(truth.filter { $0.value.tags.contains("nightly") }.keys)
        #expect(!excluded.isEmpty && excluded.count < truth.count)
        let served = Set(samples.compactMap { $0.labels["flow_id"] })
        #expect(served == Set(truth.keys).subtracting(excluded), "every other flow keeps its series")
        let bounds = Set(samples.filter { $0.name == "etlworks_flow_run_duration_seconds_bucket" }.compactMap { $0.labels["le"] })
        #expect(bounds == ["1.0", "3.0", "10.0", "+Inf"])
        #expect(samples.contains { $0.name == "etlworks_tenant_runs" }, "tenant totals are the API's, every flow in them")
        let (raw, _) = try await metrics(deployment.exporter)
        #expect(try await Tools.promtoolCheck(raw) == "")

        // Stored and reported: the usage report (read beside the running daemon) lists them.
        var reported = Set<String>()
        let now = Date()
        for date in [now, now.addingTimeInterval(-3600)] {
            let month = String(ISO8601DateFormatter().string(from: date).prefix(7))
            let result = try await Tools.run(
                Tools.exporterBinary.path,
                ["report", "usage", "--month", month, "--format", "json", "--storage.path", database])
            #expect(result.status == 0, "\(result.stderr)")
            let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            for flow in document["flows"] as? [[String: Any]] ?? [] { reported.insert("\(flow["id"] ?? "")") }
        }
        #expect(excluded.isSubset(of: reported), "excluded \(excluded.sorted()), reported \(reported.sorted())")
    }

    @Test func withoutTheNameLabelOnlyTheInfoMetricNamesFlowsAndARenameKeepsTheSeries() async throws {
        let deployment = try await deploy(
            flows: 4, database: "noname.db",
            edit: {
                $0 + "\nmetrics:\n  flow_name_label: false\nsla:\n  - name: errors\n    flows: {}\n"
                    + "    error_rate: {max: 0.99, window: 1h}\n"
            })
        var samples = try await waitForPolls(deployment.exporter, "executions", moreThan: 0, count: 2)
        let named = samples.filter { $0.labels["flow_name"] != nil }
        #expect(!named.isEmpty && named.allSatisfy { $0.name == "etlworks_flow_info" }, "\(named.map(\.name))")
        #expect(samples.contains { $0.name == "etlworks_sla_breach" && $0.labels["flow_id"] != nil })
        let truth = try await truthFlows(deployment.simulator)
        let id = try #require(truth.keys.sorted().first)
        func runs(_ samples: [ParsedSample]) -> [ParsedSample] {
            samples.filter {
                $0.name == "etlworks_flow_runs_total" && $0.labels["flow_id"] == id && $0.labels["status"] == "success"
            }
        }
        let before = try #require(runs(samples).first)
        _ = try await HTTP.json(
            "POST", deployment.simulator.appendingPathComponent("/_sim/flows/\(id)/rename"), body: ["name": "renamed \"flow\""])
        let (_, now) = try await metrics(deployment.exporter)
        samples = try await waitForPolls(deployment.exporter, "flows", moreThan: successfulPolls(now, "flows"), count: 2)
        #expect(
            samples.contains {
                $0.name == "etlworks_flow_info" && $0.labels["flow_id"] == id && $0.labels["flow_name"] == "renamed \"flow\""
            })
        let after = try #require(runs(samples).first)
        #expect(after.labels == before.labels && after.value >= before.value, "one series across the rename")
        let (raw, _) = try await metrics(deployment.exporter)
        #expect(try await Tools.promtoolCheck(raw) == "")
    }

    @Test func checkConfigNamesABadControl() async throws {
        let result = await try checkConfig(
            "etlworks:\n  url: http://x\n  api_key: k\nmetrics:\n  duration_buckets: [60, 10]\n  flows:\n    include: {tag: [x]}\n",
            file: "controls.yaml")
        #expect(result.status == 1)
        #expect(result.stderr.contains("metrics.duration_buckets (line 5)"), "\(result.stderr)")
        #expect(result.stderr.contains("metrics.flows.include.tag (line 7)"), "\(result.stderr)")
    }
}
