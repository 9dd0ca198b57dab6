import Foundation
import TestSupport
import Testing

/// `serve` against `simulate --quirks …`: the behaviours of real instances that the first
/// contract missed (the contract README's last section).
extension EndToEndTests {
    /// Stopped runs show `canceled` for a while, then `error` (or `success` for a streaming
    /// flow): every counter equals the simulator's final truth, runs still stopping are shown
    /// as such, and none is counted `canceled`.
    @Test func stoppedRunsCountWithTheirFinalStatus() async throws {
        let (simulatorProcess, simulator) = try await startSimulator(
            flows: 14, extra: ["--quirks", "stop-transition", "--stop-transition", "3s"])
        defer { simulatorProcess.process.terminate() }
        let config = try writeConfig(simulator: simulator, stopGrace: "1m")
        var (exporterProcess, exporter) = try await startExporter(config: config, apiKey: "sim-admin-key")
        defer { exporterProcess.process.terminate() }
        var samples = try await waitForPolls(exporter, "executions", moreThan: 0, count: 3)
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        samples = try await waitForPolls(exporter, "executions", moreThan: successfulPolls(samples, "executions"), count: 2)
        try await expectMatchesTruth(samples, simulator: simulator)
        let canceled = samples.filter { $0.name == "etlworks_flow_runs_total" && $0.labels["status"] == "canceled" }
        #expect(canceled.allSatisfy { $0.value == 0 }, "every stopped run ended as error or success")
        let truth = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/truth"))
        let flows = try #require(truth["flows"] as? [[String: Any]])
        let errors = flows.map { (($0["runs"] as? [String: Int]) ?? [:])["error"] ?? 0 }.reduce(0, +)
        #expect(errors > 0)

        // Runs still stopping are held across a restart, then counted once when they settle.
        exporterProcess.process.terminate()
        (exporterProcess, exporter) = try await startExporter(config: config, apiKey: "sim-admin-key")
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["advanceSeconds": 4])
        samples = try await waitForPolls(exporter, "executions", moreThan: 0, count: 2)
        // Those stopping before the restart have settled (the truth counts them), and runs
        // stopped in the four seconds are stopping now (the truth says how many).
        try await expectMatchesTruth(samples, simulator: simulator)
    }
}

extension EndToEndTests {
    /// An Editor logged in with a password gets 401 (not 403) from the Reporting API: the
    /// per-flow fallback is exact, and the refusal costs at most one extra login in all.
    @Test func a401ForTheEditorRoleFallsBackWithoutALoginLoop() async throws {
        let deployment = try await deploy(
            flows: 5, database: "role-401.db", simulator: ["--quirks", "role-401", "--user-role", "editor"],
            edit: { $0.replacingOccurrences(of: "api_key: ${TEST_API_KEY}", with: "username: admin\n  password: sim-password") })
        let (simulator, exporter, exporterProcess) = (deployment.simulator, deployment.exporter, deployment.serve)
        var samples = try await waitForPolls(exporter, "flows", moreThan: 0)
        samples = try await waitForPolls(exporter, "executions", moreThan: 0)
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        samples = try await waitForPolls(exporter, "executions", moreThan: successfulPolls(samples, "executions"), count: 4)
        try await expectMatchesTruth(samples, simulator: simulator)
        #expect(
            samples.contains {
                $0.name == "etlworks_exporter_executions_source" && $0.labels["source"] == "history" && $0.value == 1
            })
        let stats = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/stats"))
        let requests = try #require(stats["requests"] as? [String: Int])
        #expect((requests["/v1/token-auth"] ?? 0) <= 2, "one login, one renewal to tell the role from the token")
        #expect(exporterProcess.stderr.components(separatedBy: "401 on /v1/metrics/executions").count == 2, "said once")
    }

    /// An Operator key may not even list flows: /health fails naming the endpoint and the
    /// role it needs, the log says it once, and the other resources go on being polled.
    @Test func anOperatorKeyFailsHealthNamingTheRoleAndPollsTheRest() async throws {
        let deployment = try await deploy(flows: 5, database: "operator.db", apiKey: "sim-operator-key")
        let (exporter, serve) = (deployment.exporter, deployment.serve)
        var samples = try await waitForPolls(exporter, "health", moreThan: 0, count: 2)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline,
            (samples.first {
                $0.name == "etlworks_exporter_polls_total"
                    && $0.labels["resource"] == "executions" && $0.labels["result"] == "error"
            }?.value ?? 0) < 3
        {
            try await Task.sleep(for: .milliseconds(300))
            (_, samples) = try await metrics(exporter)
        }
        let (status, body, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(status == 503)
        #expect(health["status"] as? String == "fail")
        let reasons = (health["reasons"] as? [String] ?? []).joined(separator: "\n")
        #expect(reasons.contains("/v1/flows") && reasons.contains("Editor"), "\(reasons)")
        let lines = serve.stderr.split(separator: "\n").filter {
            $0.contains("/v1/flows: HTTP 403") && !$0.contains("level=debug")
        }
        #expect(lines.count <= 2, "once per resource that lists flows:\n\(lines.joined(separator: "\n"))")
        _ = try await waitForPolls(exporter, "health", moreThan: successfulPolls(samples, "health"), count: 2)
    }

    /// An instance with only the help centre's `/v1/token-auth/issue` (405 on the other).
    @Test func loginWorksWithOnlyTheOlderPath() async throws {
        let deployment = try await deploy(
            flows: 5, database: "issue-login.db", simulator: ["--quirks", "issue-login"],
            edit: { $0.replacingOccurrences(of: "api_key: ${TEST_API_KEY}", with: "username: admin\n  password: sim-password") })
        let (simulator, exporter, _) = (deployment.simulator, deployment.exporter, deployment.serve)
        let samples = try await waitForPolls(exporter, "executions", moreThan: 0, count: 2)
        #expect(samples.contains { $0.name == "etlworks_flow_runs_total" })
        let stats = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/stats"))
        let requests = try #require(stats["requests"] as? [String: Int])
        #expect(requests["/v1/token-auth"] == 1 && requests["/v1/token-auth/issue"] == 1)
    }
}

extension EndToEndTests {
    /// A healthy instance whose `/rest/v1/system/health` answers plain text is up; the root
    /// `/health` of a two-node cluster gives every node's components, disks and running flows.
    @Test func aPlainTextHealthIsUpAndEveryNodeIsExported() async throws {
        let deployment = try await deploy(
            flows: 6, database: "nodes.db", simulator: ["--quirks", "plain-health", "--nodes", "2"],
            edit: { $0.replacingOccurrences(of: "  health: 2s\n", with: "  health: 2s\n  instance_health: 1s\n") })
        let (simulator, exporter, _) = (deployment.simulator, deployment.exporter, deployment.serve)
        var samples = try await waitForPolls(exporter, "health", moreThan: 0)
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        samples = try await waitForPolls(exporter, "instance_health", moreThan: successfulPolls(samples, "instance_health"))
        #expect(samples.contains { $0.name == "etlworks_instance_up" && $0.value == 1 }, "a plain-text 200 is up")
        let components = samples.filter { $0.name == "etlworks_instance_component_up" }
        #expect(Set(components.compactMap { $0.labels["node"] }) == ["node-1", "node-2"])
        #expect(Set(components.compactMap { $0.labels["component"] }) == ["db", "disk", "dataDisk", "ram", "cpu", "redis"])
        #expect(
            samples.contains {
                $0.name == "etlworks_instance_disk_total_bytes" && $0.labels["disk"] == "dataDisk" && $0.value == 128_000_000_000
            })
        let truth = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/truth"))
        let running = (truth["flows"] as? [[String: Any]] ?? []).map { $0["running"] as? Int ?? 0 }.reduce(0, +)
        let exported = samples.filter { $0.name == "etlworks_instance_running_flows" }.map(\.value).reduce(0, +)
        #expect(exported == Double(running))
        let (raw, _) = try await metrics(exporter)
        #expect(try await Tools.promtoolCheck(raw) == "")
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/instance"), body: ["down": true])
        // Two polls: one may have been in flight when the instance went down.
        samples = try await waitForPolls(exporter, "health", moreThan: successfulPolls(samples, "health"), count: 2)
        #expect(samples.contains { $0.name == "etlworks_instance_up" && $0.value == 0 }, "a 503 is down")
    }

    /// A cloud tenant without the root `/health`: one log line, `pass`, checked again later.
    @Test func anInstanceWithoutNodeHealthSaysSoOnceAndPasses() async throws {
        let deployment = try await deploy(
            flows: 4, database: "cloud.db", simulator: ["--quirks", "no-node-health"],
            edit: { $0.replacingOccurrences(of: "  health: 2s\n", with: "  health: 2s\n  instance_health: 1s\n") })
        let (simulator, exporter, exporterProcess) = (deployment.simulator, deployment.exporter, deployment.serve)
        _ = try await waitForPolls(exporter, "instance_health", moreThan: 0, count: 3)
        _ = try await waitForPolls(exporter, "executions", moreThan: 0)
        let (status, body, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(status == 200 && health["status"] as? String == "pass", "\(health["reasons"] ?? "")")
        let resource = (health["resources"] as? [String: Any])?["instance_health"] as? [String: Any]
        #expect((resource?["unavailable"] as? String)?.contains("404") == true)
        let stats = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/stats"))
        #expect((stats["requests"] as? [String: Int])?["/health"] == 1, "not asked again within 6 h")
        #expect(exporterProcess.stderr.components(separatedBy: "node health is not available").count == 2)
    }
}

extension EndToEndTests {
    /// An older Reporting API ignores `date` and answers today: the backfill of three days
    /// still fills every day, by `offset`, said once in the log and in /health.
    @Test func aBackfillOnAnOldInstanceFillsEveryDay() async throws {
        let deployment = try await deploy(
            flows: 8, database: "old-reporting.db",
            simulator: ["--quirks", "old-reporting", "--history", "3d", "--run-every", "5m"],
            edit: { $0.replacingOccurrences(of: "backfill: 1d", with: "backfill: 4d") })
        let (simulator, exporter, exporterProcess) = (deployment.simulator, deployment.exporter, deployment.serve)
        var samples = try await waitForPolls(exporter, "executions", moreThan: 0)
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        samples = try await waitForPolls(exporter, "executions", moreThan: successfulPolls(samples, "executions"), count: 2)
        try await expectMatchesTruth(samples, simulator: simulator)
        let (_, body, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect((health["api"] as? [String: Any])?["executions_day_parameter"] as? String == "offset")
        #expect(exporterProcess.stderr.components(separatedBy: "this instance ignores date").count == 2, "said once")
    }

    /// A server that ignores `offset` answers its first page to every request: each list
    /// costs one request more than the page it has, never a loop to the page limit.
    @Test func aServerIgnoringOffsetCostsAtMostOnePageMore() async throws {
        let deployment = try await deploy(
            flows: 450, database: "ignore-offset.db", simulator: ["--quirks", "ignore-offset"])
        let (simulator, exporter, _) = (deployment.simulator, deployment.exporter, deployment.serve)
        let samples = try await waitForPolls(exporter, "flows", moreThan: 0, count: 3)
        let stats = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/stats"))
        let requests = try #require(stats["requests"] as? [String: Int])
        let polls = Int(successfulPolls(samples, "flows")) + 1 // one may be in flight
        let needed = 3 // 450 flows in pages of 200
        #expect((requests["/v1/flows"] ?? 0) <= polls * (needed + 2))
        #expect((requests["/v1/flows"] ?? 0) <= polls * 2, "the repeated first page ends each reading")
    }
}

extension EndToEndTests {
    /// Agents with string ids and the help centre's state words, in any case.
    @Test func agentsWithStringIdsAndEveryStateAreExported() async throws {
        let deployment = try await deploy(
            flows: 3, database: "agents.db", simulator: ["--agents", "5", "--quirks", "string-agent-ids"])
        let (simulator, exporter, _) = (deployment.simulator, deployment.exporter, deployment.serve)
        for (index, online) in [(0, true), (2, false), (3, false), (4, false)] {
            _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/agents/\(index)"), body: ["online": online])
        }
        // Two polls after the agents changed: one may have been in flight.
        let (_, before) = try await metrics(exporter)
        let samples = try await waitForPolls(exporter, "agents", moreThan: successfulPolls(before, "agents"), count: 2)
        func state(_ id: String) -> String? {
            samples.first { $0.name == "etlworks_agent_state" && $0.labels["agent_id"] == id && $0.value == 1 }?.labels["state"]
        }
        #expect(state("agt-500") == "online")
        #expect(state("agt-502") == "offline")
        #expect(state("agt-503") == "suspended")
        #expect(state("agt-504") == "stopped")
        #expect(samples.filter { $0.name == "etlworks_agent_state" && $0.labels["agent_id"] == "agt-503" }.count == 5)
        let up = samples.filter { $0.name == "etlworks_agent_up" }
        #expect(up.count == 5)
        #expect(up.filter { $0.value == 1 }.allSatisfy { state($0.labels["agent_id"] ?? "") == "online" })
        #expect(up.first { $0.labels["agent_id"] == "agt-504" }?.value == 0)
        let (raw, _) = try await metrics(exporter)
        #expect(try await Tools.promtoolCheck(raw) == "")
    }

    /// Summary, agents, subscription and system info answering with unknown field names:
    /// each is counted, warned about in /health with its keys, and logged once.
    @Test func unknownShapesShowInHealthAndTheCounter() async throws {
        let deployment = try await deploy(
            flows: 3, database: "shapes.db", simulator: ["--quirks", "unknown-shapes"])
        let (_, exporter, exporterProcess) = (deployment.simulator, deployment.exporter, deployment.serve)
        var samples = try await waitForPolls(exporter, "billing", moreThan: 0, count: 2)
        samples = try await waitForPolls(exporter, "summary", moreThan: successfulPolls(samples, "summary"), count: 2)
        for resource in ["summary", "agents", "billing", "health"] {
            let count = samples.first {
                $0.name == "etlworks_exporter_unrecognized_answers_total" && $0.labels["resource"] == resource
            }?.value
            #expect((count ?? 0) >= 1, "\(resource)")
        }
        #expect(
            samples.first { $0.name == "etlworks_exporter_unrecognized_answers_total" && $0.labels["resource"] == "flows" }?.value
                == 0)
        let (status, body, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(status == 200 && health["status"] as? String == "warn")
        let resources = try #require(health["resources"] as? [String: [String: Any]])
        #expect(resources["summary"]?["unrecognized_keys"] as? String == "generatedAt, stats")
        #expect(resources["billing"]?["unrecognized_keys"] as? String == "limits, plan")
        #expect(resources["agents"]?["unrecognized_keys"] as? String == "agentName, agentState")
        #expect(resources["health"]?["unrecognized_keys"] as? String == "appVersion, edition")
        #expect(!String(decoding: body, as: UTF8.self).contains("500000000"), "keys, never values")
        #expect(exporterProcess.stderr.components(separatedBy: "The summary answer holds none").count == 2, "said once")
    }

    /// Billing answering 404 (an on-premise install): after three, not available, not failing.
    @Test func billingThatAnswers404IsNotAvailableNotFailing() async throws {
        let deployment = try await deploy(
            flows: 3, database: "no-billing.db", simulator: ["--quirks", "no-billing"])
        let (simulator, exporter, exporterProcess) = (deployment.simulator, deployment.exporter, deployment.serve)
        _ = try await waitForPolls(exporter, "billing", moreThan: 0, count: 3)
        _ = try await waitForPolls(exporter, "executions", moreThan: 0)
        let (status, body, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let billing = (health["resources"] as? [String: [String: Any]])?["billing"]
        #expect((billing?["unavailable"] as? String)?.contains("404") == true)
        #expect(billing?["result"] as? String == "success")
        #expect(status == 200 && health["status"] as? String == "pass", "\(health["reasons"] ?? "")")
        let stats = try await HTTP.json("GET", simulator.appendingPathComponent("/_sim/stats"))
        #expect((stats["requests"] as? [String: Int])?["/v1/billing/subscription"] == 3)
        #expect(exporterProcess.stderr.components(separatedBy: "billing is not available").count == 2)
    }
}

extension EndToEndTests {
    /// A day's executions larger than `etlworks.max_response_bytes` fail that poll with an
    /// error naming the endpoint and the key; nothing else stops.
    @Test func anAnswerPastTheByteCapFailsItsPollOnly() async throws {
        let deployment = try await deploy(
            flows: 60, database: "cap.db", etlworks: "max_response_bytes: 64KiB")
        let (_, exporter, exporterProcess) = (deployment.simulator, deployment.exporter, deployment.serve)
        let samples = try await waitForPolls(exporter, "agents", moreThan: 0, count: 2)
        #expect(
            (samples.first {
                $0.name == "etlworks_exporter_polls_total" && $0.labels["resource"] == "executions"
                    && $0.labels["result"] == "error"
            }?.value ?? 0) >= 1)
        let (_, body, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let error = ((health["resources"] as? [String: [String: Any]])?["executions"]?["error"] as? String) ?? ""
        #expect(error.contains("/v1/metrics/executions") && error.contains("etlworks.max_response_bytes"), "\(error)")
        #expect(exporterProcess.process.isRunning)
    }
}
