import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs pushed by Etlworks webhooks, on the built binaries: `simulate` posts `Flow.Executed`
/// for every run that ends, as the vendor's webhooks do, to `serve`'s
/// `POST /api/v1/webhooks/etlworks`. Part of the serialized end-to-end suite.
extension EndToEndTests {
    /// `simulate` with its clock paused and `serve` with the push endpoint, after its first
    /// executions poll; the webhooks are switched on from here. `tenants`: that many, each
    /// watched, each posting to its own webhook path.
    func deployPush(executions: String, copies: Int = 1, tenants: Int = 0) async throws -> Deployment {
        let (simulatorProcess, simulator) = try await startSimulator(
            flows: 6, extra: tenants > 0 ? ["--tenants", String(tenants)] : [])
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        let watched = (1...max(1, tenants)).map { "{id: \($0), name: t\($0)}" }.joined(separator: ", ")
        let config = try writeConfig(
            simulator: simulator, database: "push-\(copies)-\(tenants).db", etlworks: tenants > 0 ? "tenants: [\(watched)]" : "")
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "  executions: 1s\n", with: "  executions: \(executions)\n")
        // Nothing else re-reads the flows' counters meanwhile: only the pushes can move them.
        for resource in ["flows", "summary", "agents", "billing", "health"] {
            text = text.replacingOccurrences(of: "  \(resource): 2s\n", with: "  \(resource): 10m\n")
        }
        text += "\npush: {username: etl, password: \"hook-pass\"}\n"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let (exporterProcess, exporter) = try await startExporter(config: config, apiKey: "sim-admin-key")
        if tenants > 0 {
            _ = try await waitForTenantPolls(exporter, "executions", tenants: (1...tenants).map(String.init))
        } else {
            _ = try await waitForPolls(exporter, "executions", moreThan: 0)
        }
        _ = try await HTTP.json(
            "POST", simulator.appendingPathComponent("/_sim/webhooks"),
            body: [
                "url": exporter.appendingPathComponent("api/v1/webhooks/etlworks").absoluteString, "username": "etl",
                "password": "hook-pass", "copies": copies
            ])
        return Deployment(simulator: simulator, exporter: exporter, processes: [simulatorProcess, exporterProcess])
    }

    /// Completed runs per flow and status: the simulator's truth, and `etlworks_flow_runs_total`.
    func completedRuns(truth simulator: URL) async throws -> [String: Double] {
        let truth = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/truth"))
        var runs: [String: Double] = [:]
        for flow in truth["flows"] as? [[String: Any]] ?? [] {
            for (status, count) in flow["runs"] as? [String: Int] ?? [:] where count > 0 {
                runs["\(flow["id"]!) \(status)"] = Double(count)
            }
        }
        return runs
    }

    func completedRuns(exported samples: [ParsedSample]) -> [String: Double] {
        var runs: [String: Double] = [:]
        for sample in samples where sample.name == "etlworks_flow_runs_total" && sample.value > 0 {
            runs["\(sample.labels["flow_id"] ?? "") \(sample.labels["status"] ?? "")"] = sample.value
        }
        return runs
    }

    func value(_ samples: [ParsedSample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    /// Posts a webhook call with curl, as a sender that is not URLSession would (URLSession on
    /// Linux waits forever on a 401 challenge it has no credentials for). Status and seconds.
    func postWebhook(_ exporter: URL, body: Data, authorization: String?) async throws -> (Int, Double) {
        let file = directory.appendingPathComponent("webhook-\(UUID().uuidString).json")
        try body.write(to: file)
        var arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-X", "POST", "-H", "Content-Type: application/json",
            "--data-binary", "@\(file.path)", exporter.appendingPathComponent("api/v1/webhooks/etlworks").absoluteString
        ]
        if let authorization { arguments += ["-H", "Authorization: \(authorization)"] }
        let result = try await Tools.run(try Tools.which("curl"), arguments)
        let parts = result.stdout.split(separator: " ")
        return (Int(parts.first ?? "") ?? 0, Double(parts.last ?? "") ?? .infinity)
    }

    @Test func pushedRunsReachMetricsWithinSecondsWhileExecutionsArePolledEveryTenMinutes() async throws {
        let deployment = try await deployPush(executions: "10m")
        let (_, before) = try await metrics(deployment.exporter)
        #expect(completedRuns(exported: before) == (try await completedRuns(truth: deployment.simulator)))
        // A minute passes in the simulated tenant: its runs end, and only their webhooks tell.
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/clock"), body: ["advanceSeconds": 60])
        let truth = try await completedRuns(truth: deployment.simulator)
        #expect(truth != completedRuns(exported: before), "runs ended in that minute")
        let started = Date()
        var exported: [String: Double] = [:]
        var samples: [ParsedSample] = []
        while Date().timeIntervalSince(started) < 10 {
            (_, samples) = try await metrics(deployment.exporter)
            exported = completedRuns(exported: samples)
            if exported == truth { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(exported == truth, "every run that ended is counted once, from its webhook")
        #expect(elapsed < 5, "pushed runs took \(elapsed) s to reach /metrics")
        #expect(successfulPolls(samples, "executions") == 1, "no executions poll since the first")
        let pushed = truth.values.reduce(0, +) - completedRuns(exported: before).values.reduce(0, +)
        #expect(value(samples, "etlworks_push_events_received_total", ["event": "Flow.Executed"]) == pushed)
        #expect(value(samples, "etlworks_push_runs_total", ["seen_by": "push"]) == pushed)
        #expect(value(samples, "etlworks_push_last_event_timestamp_seconds") ?? 0 > started.timeIntervalSince1970 - 1)
    }

    /// Each tenant's webhook posts to its own path: its runs reach its own counters, ids
    /// shared with the other tenant's, within seconds, with executions polled every 10 minutes.
    @Test func eachTenantsPushedRunsReachItsOwnCounters() async throws {
        let deployment = try await deployPush(executions: "10m", tenants: 2)
        let (_, before) = try await metrics(deployment.exporter)
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/clock"), body: ["advanceSeconds": 60])
        var truth: [String: [String: Double]] = [:]
        for tenant in 1...2 { truth[String(tenant)] = try await completedRuns(truth: deployment.simulator, tenant: tenant) }
        #expect(truth["1"] != completedRuns(exported: before, tenant: "1") && truth["1"] != truth["2"])
        let started = Date()
        var samples: [ParsedSample] = []
        func exported() -> [String: [String: Double]] {
            ["1": completedRuns(exported: samples, tenant: "1"), "2": completedRuns(exported: samples, tenant: "2")]
        }
        while Date().timeIntervalSince(started) < 10 {
            samples = try await metrics(deployment.exporter).1
            if exported() == truth { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(exported() == truth, "each tenant's runs, from its own webhook")
        #expect(Date().timeIntervalSince(started) < 5)
        for tenant in ["1", "2"] {
            #expect(tenantPolls(samples, "executions", tenant: tenant) == tenantPolls(before, "executions", tenant: tenant))
            let pushed =
                (truth[tenant] ?? [:]).values.reduce(0, +) - completedRuns(exported: before, tenant: tenant).values.reduce(0, +)
            #expect(
                value(samples, "etlworks_push_runs_total", ["seen_by": "push", "tenant_id": tenant]) == pushed, "tenant \(tenant)"
            )
        }
    }

    @Test func aRunPushedTwiceAndPolledCountsOnce() async throws {
        let deployment = try await deployPush(executions: "2s", copies: 2)
        let (_, first) = try await metrics(deployment.exporter)
        let polls = successfulPolls(first, "executions")
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/clock"), body: ["advanceSeconds": 60])
        let truth = try await completedRuns(truth: deployment.simulator)
        // Pushed (twice each) within a second, then listed again by the next polls.
        let samples = try await waitForPolls(deployment.exporter, "executions", moreThan: polls, count: 2)
        #expect(completedRuns(exported: samples) == truth, "counted once however often pushed and polled")
        let received = value(samples, "etlworks_push_events_received_total", ["event": "Flow.Executed"]) ?? 0
        #expect(received > 0)
        #expect(value(samples, "etlworks_push_duplicates_total") == received, "every second copy is dropped")
        let push = value(samples, "etlworks_push_runs_total", ["seen_by": "push"]) ?? 0
        let poll = value(samples, "etlworks_push_runs_total", ["seen_by": "poll"]) ?? 0
        let both = value(samples, "etlworks_push_runs_total", ["seen_by": "both"]) ?? 0
        #expect(push + poll == truth.values.reduce(0, +), "each completed run under the source that saw it first")
        #expect(both >= push && push > 0, "the pushed runs were polled too: push \(push), both \(both)")
    }

    @Test func webhookCallsAreCheckedAndAnsweredBeforeTheLookUp() async throws {
        let deployment = try await deployPush(executions: "10m")
        // Stop the sender: these calls are made by hand.
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/webhooks"), body: [:])
        let runs = try await HTTP.json("GET", deployment.simulator.appendingPathComponent("/_sim/runs"))
        let flow = try #require((runs["flows"] as? [[String: Any]])?.first)
        let flowId = try #require(flow["id"] as? Int)
        let event = Data(
            #"{"eventId":"e-1","eventType":"Flow.Executed","entityId":123456789,"entityUrl":"https://h/rest/v1/flows/\#(flowId)?auditId=123456789"}"#
                .utf8)
        let good = "Basic " + Data("etl:hook-pass".utf8).base64EncodedString()
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/stats/reset"))

        // Wrong or missing credentials (the scrape has none configured: these are the push's own).
        for authorization in ["Basic " + Data("etl:wrong".utf8).base64EncodedString(), nil] {
            #expect(try await postWebhook(deployment.exporter, body: event, authorization: authorization).0 == 401)
        }
        #expect(try await postWebhook(deployment.exporter, body: Data("{\"eventType\":".utf8), authorization: good).0 == 400)
        let large =
            Data(#"{"eventType":"Flow.Executed","pad":""#.utf8) + Data(repeating: 0x61, count: 1 << 20) + Data(#""}"#.utf8)
        #expect(try await postWebhook(deployment.exporter, body: large, authorization: good).0 == 413)
        var (_, samples) = try await metrics(deployment.exporter)
        for reason in ["auth", "malformed", "too_large"] {
            #expect(value(samples, "etlworks_push_events_rejected_total", ["reason": reason]) == (reason == "auth" ? 2 : 1))
        }
        #expect(value(samples, "etlworks_push_events_received_total", ["event": "Flow.Executed"]) == nil)
        let stats = try await HTTP.json("GET", deployment.simulator.appendingPathComponent("/_sim/stats"))
        #expect((stats["requests"] as? [String: Int])?["/v1/executions/{flowId}"] == nil, "refused calls look nothing up")

        // The API takes 3 s to answer the look-up: the webhook is answered at once anyway.
        _ = try await HTTP.json(
            "POST", deployment.simulator.appendingPathComponent("/_sim/faults"),
            body: ["kind": "slow", "path": "/v1/executions/", "delaySeconds": 3, "count": 5])
        let (status, seconds) = try await postWebhook(deployment.exporter, body: event, authorization: good)
        #expect(status == 202 && seconds < 1, "answered \(status) in \(seconds) s")
        #expect(try await postWebhook(deployment.exporter, body: event, authorization: good).0 == 202, "a duplicate")
        (_, samples) = try await metrics(deployment.exporter)
        #expect(value(samples, "etlworks_push_events_received_total", ["event": "Flow.Executed"]) == 1)
        #expect(value(samples, "etlworks_push_duplicates_total") == 1)
        // The look-up happens, once, after the webhook was answered.
        let deadline = Date().addingTimeInterval(10)
        var lookUps = 0
        while Date() < deadline, lookUps == 0 {
            try await Task.sleep(for: .milliseconds(200))
            let stats = try await HTTP.json("GET", deployment.simulator.appendingPathComponent("/_sim/stats"))
            lookUps = (stats["requests"] as? [String: Int])?["/v1/executions/{flowId}"] ?? 0
        }
        #expect(lookUps == 1)
    }
}
