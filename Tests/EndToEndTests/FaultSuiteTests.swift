import Foundation
import TestSupport
import Testing

/// The built binary against a failing API: an outage and its recovery, a 429 storm, broken
/// answers of every kind. It must stay up, say what is wrong while it lasts, and be right
/// again afterwards, with no run missing. Part of the serialized end-to-end suite.
extension EndToEndTests {
    func fault(_ simulator: URL, _ fault: [String: Any]) async throws {
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/faults"), body: fault)
    }

    func failedPolls(_ samples: [ParsedSample], _ resource: String) -> Double {
        samples.first {
            $0.name == "etlworks_exporter_polls_total" && $0.labels["resource"] == resource && $0.labels["result"] == "error"
        }?.value ?? 0
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
        return try await waitForPolls(
            deployment.exporter, "executions", moreThan: successfulPolls(samples, "executions"), count: 2)
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
            down =
                current.contains { $0.name == "etlworks_up" && $0.value == 0 } && status == 503
                && document["status"] as? String == "fail"
        }
        #expect(down, "etlworks_up 0 and /health fail during the outage")
        try await Task.sleep(for: .seconds(6)) // runs finish during the outage
        #expect(deployment.serve.process.isRunning)
        try await clearFaults(deployment.simulator)
        samples = try await settle(deployment)
        #expect(samples.contains { $0.name == "etlworks_up" && $0.value == 1 })
        try await expectMatchesTruth(samples, simulator: deployment.simulator)
        #expect(try await health(deployment.exporter).status == 200)
    }

    /// A proxy answering `Retry-After: 100000000000000000` (which trapped a duration
    /// conversion: a crash loop) or a date a century away (which paused polling until a
    /// restart) is waited out for `etlworks.max_retry_after` at most.
    @Test func anAbsurdRetryAfterNeitherCrashesNorStopsPolling() async throws {
        let deployment = try await deploy(flows: 4, database: "retry-after.db", etlworks: "max_retry_after: 3s")
        _ = try await waitForPolls(deployment.exporter, "executions", moreThan: 0)
        for retryAfter in ["100000000000000000", "Fri, 31 Dec 2100 23:59:59 GMT"] {
            try await fault(deployment.simulator, ["kind": "status", "status": 429, "retryAfter": retryAfter, "count": 3])
            try await Task.sleep(for: .seconds(2))
            #expect(deployment.serve.process.isRunning, "Retry-After \(retryAfter): \(deployment.serve.stderr.suffix(800))")
            try #require(deployment.serve.process.isRunning)
            try await clearFaults(deployment.simulator)
            let (_, before) = try await metrics(deployment.exporter)
            _ = try await waitForPolls(
                deployment.exporter, "executions", moreThan: successfulPolls(before, "executions"), timeout: 15)
        }
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
        // A day's executions have their own, longer timeout: 5 s here, against 6.5 s slow answers.
        let deployment = try await deploy(flows: 8, database: "broken.db", etlworks: "large_response_timeout: 5s")
        var samples = try await waitForPolls(deployment.exporter, "executions", moreThan: 0)
        for fault in [
            ["kind": "status", "status": 500], ["kind": "malformed"], ["kind": "truncated"], ["kind": "drop"],
            ["kind": "slow", "delaySeconds": 6.5]
        ] as [[String: Any]] {
            // The executions endpoint fails twice, then answers again.
            var scoped = fault
            scoped["path"] = "/v1/metrics/executions"
            scoped["count"] = 2
            try await self.fault(deployment.simulator, scoped)
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
            samples = try await waitForPolls(
                deployment.exporter, "executions", moreThan: successfulPolls(after, "executions"),
                count: 1, timeout: 90)
            #expect(deployment.serve.process.isRunning, "\(fault)")
        }
        try await clearFaults(deployment.simulator)
        // Between polls, one flow is renamed and another deleted upstream.
        let flows =
            try await HTTP.json("GET", deployment.simulator.appendingPathComponent("/_sim/truth"))["flows"] as? [[String: Any]]
            ?? []
        let (renamed, deleted) = ("\(flows[0]["id"]!)", "\(flows[1]["id"]!)")
        _ = try await HTTP.json(
            "POST", deployment.simulator.appendingPathComponent("/_sim/flows/\(renamed)/rename"),
            body: ["name": "renamed \"flow\""])
        _ = try await HTTP.json("DELETE", deployment.simulator.appendingPathComponent("/_sim/flows/\(deleted)"))
        let (_, afterChange) = try await metrics(deployment.exporter)
        _ = try await waitForPolls(deployment.exporter, "flows", moreThan: successfulPolls(afterChange, "flows"), count: 2)
        samples = try await settle(deployment)
        try await expectMatchesTruth(samples, simulator: deployment.simulator)
        #expect(samples.contains { $0.labels["flow_id"] == renamed && $0.labels["flow_name"] == "renamed \"flow\"" })
        #expect(!samples.contains { $0.labels["flow_id"] == deleted })
        #expect(try await health(deployment.exporter).status == 200)
        #expect(!deployment.serve.stderr.contains("Fatal error"))
    }
}

extension EndToEndTests {
    /// The database becomes unwritable under the running daemon (its WAL made immutable:
    /// even root cannot write it): /health fails with a storage error naming the file, the
    /// daemon stays up, nothing stored is lost, and once writable again it catches up.
    @Test func anUnwritableDatabaseFailsHealthAndRecovers() async throws {
        let deployment = try await deploy(flows: 6, database: "readonly.db")
        var samples = try await waitForPolls(deployment.exporter, "executions", moreThan: 0, count: 2)
        let wal = directory.appendingPathComponent("readonly.db-wal").path
        let locked = try await Tools.run("/usr/bin/chattr", ["+i", wal])
        #expect(locked.status == 0, "chattr +i needs a file system with attributes: \(locked.stderr)")
        defer { _ = try? Tools.runBlocking("/usr/bin/chattr", ["-i", wal], input: nil, environment: nil) }
        let deadline = Date().addingTimeInterval(30)
        var failing = false
        var document: [String: Any] = [:]
        while Date() < deadline && !failing {
            try await Task.sleep(for: .milliseconds(500))
            let (status, current) = try await health(deployment.exporter)
            document = current
            failing = status == 503 && "\(current["reasons"] ?? "")".lowercased().contains("database")
        }
        #expect(failing, "/health fails naming the database: \(document["reasons"] ?? "")")
        #expect(deployment.serve.process.isRunning)
        let (_, during) = try await metrics(deployment.exporter)
        #expect(during.contains { $0.name == "etlworks_exporter_store_up" && $0.value == 0 })
        _ = try await Tools.run("/usr/bin/chattr", ["-i", wal])
        samples = try await settle(deployment)
        try await expectMatchesTruth(samples, simulator: deployment.simulator)
        #expect(try await health(deployment.exporter).status == 200)
        let check = try await Tools.run(
            Tools.exporterBinary.path, ["db", "check", "--storage.path", directory.appendingPathComponent("readonly.db").path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}
