import Foundation
import Testing

/// The built binary against a failing API: an outage and its recovery, a 429 storm, broken
/// answers of every kind. It must stay up, say what is wrong while it lasts, and be right
/// again afterwards, with no run missing. Part of the serialized end-to-end suite.
extension EndToEndTests {
    func fault(_ simulator: URL, _ fault: [String: Any]) async throws {
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/faults"), body: fault)
    }

    func failedPolls(_ samples: [ParsedSample], _ resource: String) -> Double {
        samples.first { $0.name == "etlworks_exporter_polls_total" && $0.labels["resource"] == resource && $0.labels["result"] == "error" }?.value ?? 0
    }

    func clearFaults(_ simulator: URL) async throws {
        _ = try await HTTP.json("DELETE", simulator.appendingPathComponent("/_sim/faults"))
    }

    func health(_ exporter: URL) async throws -> (status: Int, document: [String: Any]) {
        let (status, body, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
        return (status, (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:])
    }

    /// Freezes the simulator's clock and waits until the exporter has caught up with it.
    func settle(_ deployment: Deployment) async throws -> [ParsedSample] {
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        let (_, samples) = try await metrics(deployment.exporter)
        return try await waitForPolls(deployment.exporter, "executions", moreThan: successfulPolls(samples, "executions"), count: 2)
    }

    @Test func anOutageShowsWhileItLastsAndNoRunIsMissingAfterIt() async throws {
        let deployment = try await deploy(flows: 10, database: "outage.db")
        var samples = try await waitForPolls(deployment.exporter, "executions", moreThan: 0)
        // Every endpoint answers 503 while runs go on finishing upstream.
        try await fault(deployment.simulator, ["kind": "status", "status": 503])
        let deadline = Date().addingTimeInterval(30)
        var down = false
        while Date() < deadline && !down {
            try await Task.sleep(for: .milliseconds(500))
            let (_, current) = try await metrics(deployment.exporter)
            let (status, document) = try await health(deployment.exporter)
            down = current.contains { $0.name == "etlworks_up" && $0.value == 0 } && status == 503
                && document["status"] as? String == "fail"
        }
        #expect(down, "etlworks_up 0 and /health fail during the outage")
        try await Task.sleep(for: .seconds(6))   // runs finish during the outage
        #expect(deployment.serve.process.isRunning)
        try await clearFaults(deployment.simulator)
        samples = try await settle(deployment)
        #expect(samples.contains { $0.name == "etlworks_up" && $0.value == 1 })
        try await expectMatchesTruth(samples, simulator: deployment.simulator)
        #expect(try await health(deployment.exporter).status == 200)
    }

    @Test func a429StormIsWaitedOutNotHammered() async throws {
        let deployment = try await deploy(flows: 6, database: "storm.db")
        _ = try await waitForPolls(deployment.exporter, "executions", moreThan: 0)
        // Unthrottled, six resources polled every 1-2 s make 5+ requests a second.
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/stats/reset"))
        try await Task.sleep(for: .seconds(5))
        let normal = try await HTTP.json("GET", deployment.simulator.appendingPathComponent("/_sim/stats"))["total"] as? Int ?? 0
        try await fault(deployment.simulator, ["kind": "status", "status": 429, "retryAfter": "3"])
        try await Task.sleep(for: .seconds(1))
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/stats/reset"))
        try await Task.sleep(for: .seconds(12))
        let during = try await HTTP.json("GET", deployment.simulator.appendingPathComponent("/_sim/stats"))["total"] as? Int ?? 0
        // Retry-After: 3 is shared by every resource: at most a few probes per 3 s window.
        #expect(normal >= 12, "normal polling rate: \(normal) requests in 5 s")
        #expect(during <= 4 * 7, "\(during) requests in 12 s of 429s with Retry-After: 3 (normally \(normal) in 5 s)")
        let (_, document) = try await health(deployment.exporter)
        let reasons = "\(document["reasons"] ?? "")"
        #expect(reasons.contains("429") || reasons.lowercased().contains("rate"), "\(reasons)")
        try await clearFaults(deployment.simulator)
        let samples = try await settle(deployment)
        try await expectMatchesTruth(samples, simulator: deployment.simulator)
    }

    @Test func brokenAnswersOfEveryKindAreSurvivedAndRecoveredFrom() async throws {
        let deployment = try await deploy(flows: 8, database: "broken.db")
        var samples = try await waitForPolls(deployment.exporter, "executions", moreThan: 0)
        for fault in [["kind": "status", "status": 500], ["kind": "malformed"], ["kind": "truncated"], ["kind": "drop"],
                      ["kind": "slow", "delaySeconds": 6.5]] as [[String: Any]] {
            // The executions and flow-list endpoints fail twice each, then answer again.
            for path in ["/v1/metrics/executions", "/v1/flows"] {
                var scoped = fault
                scoped["path"] = path
                scoped["count"] = 2
                try await self.fault(deployment.simulator, scoped)
            }
            let (_, before) = try await metrics(deployment.exporter)
            // Each broken answer is a failed poll, then polling succeeds again.
            let deadline = Date().addingTimeInterval(90)
            var failedMore = false
            while Date() < deadline && !failedMore {
                try await Task.sleep(for: .milliseconds(300))
                let (_, current) = try await metrics(deployment.exporter)
                failedMore = failedPolls(current, "executions") > failedPolls(before, "executions")
            }
            #expect(failedMore, "the \(fault["kind"]!) answers were counted as failed polls")
            let (_, after) = try await metrics(deployment.exporter)
            samples = try await waitForPolls(deployment.exporter, "executions", moreThan: successfulPolls(after, "executions"),
                                             count: 1, timeout: 90)
            #expect(deployment.serve.process.isRunning, "\(fault)")
        }
        samples = try await settle(deployment)
        try await expectMatchesTruth(samples, simulator: deployment.simulator)
        #expect(try await health(deployment.exporter).status == 200)
        #expect(!deployment.serve.stderr.contains("Fatal error"))
    }
}
