import ExporterBase
import ExporterConfiguration
import ExporterCore
import Foundation
import SLA
import TestSupport
import Testing

/// The built binary: `serve` with SLA rules polling `simulate`. With the simulator's clock
/// paused, every evaluation after the polls caught up must report exactly the pairs an
/// independent oracle computes from the simulator's raw runs: every breach, nothing else.
/// Part of the serialized end-to-end suite, so that it never shares the machine with
/// another pair of processes.
extension EndToEndTests {
    static let slaConfig = """
        sla:
          - name: errors
            flows: {tags: [orders]}
            error_rate: {max: 0.2, window: 2m, min_runs: 3}
          - name: streak
            consecutive_failures: 2
            severity: critical
          - name: long
            flows: {tags: [nightly]}
            max_duration: 4s
          - name: fresh
            flows: {tags: [critical]}
            max_since_success: 20s
          - name: p90
            duration_percentile: {p: 0.9, max: 3s, window: 2m}
          - name: queued
            max_queued: 1s
            severity: info
          - name: cadence
            missed_schedule: {grace: 3s}
          - name: slow
            error_rate: {max: 0.01, window: 2m}
            for: 1h
          - name: agents
            agents: {names: ["*"]}
            agent_offline: {for: 0s}
          - name: allowance-tiny
            tenant: true
            billing_usage: {max_ratio: 0.0000001}
          - name: allowance
            tenant: true
            billing_usage: {max_ratio: 0.9}
          - name: slo
            flows: {ids: [1000, 1007, 1014, 1021, 1028]}
            objective: {target: 0.9, window: 10m}
        """

    func oracleVerdicts(_ oracle: SLAOracle) -> [String: SLAOracle.Verdict] {
        let flows = oracle.flows
        func tagged(_ tag: String) -> [SLAOracle.Flow] { flows.filter { $0.tags.contains(tag) } }
        return [
            "errors": oracle.errorRate(tagged("orders"), max: 0.2, window: 120, minRuns: 3),
            "streak": oracle.consecutiveFailures(flows, 2),
            "long": oracle.maxDuration(tagged("nightly"), limit: 4),
            "fresh": oracle.maxSinceSuccess(tagged("critical"), limit: 20),
            "p90": oracle.durationPercentile(flows, p: 0.9, max: 3, window: 120),
            "queued": oracle.maxQueued(flows, limit: 1),
            "cadence": oracle.missedSchedule(flows, grace: 3),
            "slow": oracle.errorRate(flows, max: 0.01, window: 120, minRuns: 1),
            "agents": oracle.agentsOffline(),
            "allowance-tiny": oracle.billing(maxRatio: 0.0000001),
            "allowance": oracle.billing(maxRatio: 0.9),
            "slo": oracle.objective(flows.filter { [1000, 1007, 1014, 1021, 1028].contains($0.id) }, target: 0.9, window: 600)
        ]
    }

    func get(_ url: URL, _ path: String, bearer: String? = nil) async throws -> Any {
        let (status, data, _) = try await HTTP.get(
            url.appendingPathComponent(path), headers: bearer.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        guard status == 200 else { throw HarnessError("GET \(path): HTTP \(status)") }
        return try JSONSerialization.jsonObject(with: data)
    }

    func pollCounts(_ exporter: URL) async throws -> [String: Double] {
        let (_, data, _) = try await HTTP.get(exporter.appendingPathComponent("metrics"))
        var counts: [String: Double] = [:]
        for sample in try await Exposition.parse(data)
        where sample.name == "etlworks_exporter_polls_total" && sample.labels["result"] == "success" {
            counts[sample.labels["resource"] ?? ""] = sample.value
        }
        return counts
    }

    /// Pauses the simulator, waits until every resource polled twice more and the rules were
    /// evaluated after that, and compares that evaluation with the oracle.
    func checkFrozenTenant(simulator: URL, exporter: URL, round: String) async throws -> [String: Any] {
        _ = try await HTTP.json("POST", simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        let before = try await pollCounts(exporter)
        let deadline = Date().addingTimeInterval(90)
        while true {
            let now = try await pollCounts(exporter)
            if ["executions", "flows", "agents", "billing", "schedules"].allSatisfy({ (now[$0] ?? 0) >= (before[$0] ?? 0) + 2 }) {
                break
            }
            guard Date() < deadline else { throw HarnessError("polls did not catch up: \(before) → \(now)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let caughtUp = Date().timeIntervalSince1970
        var document: [String: Any] = [:]
        while true {
            document = try await get(exporter, "api/v1/sla") as? [String: Any] ?? [:]
            if let time = document["evaluated_at_seconds"] as? Double, time > caughtUp { break }
            guard Date() < deadline else { throw HarnessError("no evaluation after the polls caught up") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let now = try #require(document["evaluated_at_seconds"] as? Double)
        let runs = try await get(simulator, "/_sim/runs") as? [String: Any] ?? [:]
        let schedules = try await get(simulator, "/rest/v1/schedules", bearer: "sim-admin-key") as? [[String: Any]] ?? []
        let agents = try await get(simulator, "/rest/v1/agents", bearer: "sim-admin-key") as? [[String: Any]] ?? []
        let subscription =
            try await get(simulator, "/rest/v1/billing/subscription", bearer: "sim-admin-key") as? [String: Any] ?? [:]
        let oracle = SLAOracle(
            now: now, flows: SLAOracle.flows(runs),
            // Intervals are in minutes on both sides (the API page's unit, both defaults); the
            // oracle reads seconds.
            schedules: Dictionary(
                schedules.map { schedule in
                    let text = schedule["schedule"] as? String ?? ""
                    return (
                        (schedule["flowId"] as? NSNumber)?.int64Value ?? 0,
                        (id: (schedule["id"] as? NSNumber)?.int64Value ?? 0, text: Double(text).map { String($0 * 60) } ?? text)
                    )
                },
                uniquingKeysWith: { first, _ in first }),
            agents: Dictionary(
                uniqueKeysWithValues: agents.map {
                    (($0["id"] as? NSNumber)?.int64Value ?? 0, $0["status"] as? String == "online")
                }),
            subscription: subscription)

        let results = document["results"] as? [[String: Any]] ?? []
        func key(_ result: [String: Any]) -> String {
            let target = result["target"] as? [String: Any] ?? [:]
            let kind = target["kind"] as? String ?? ""
            return kind == "tenant" ? "tenant" : "\(kind):\((target["id"] as? NSNumber)?.int64Value ?? -1)"
        }
        var expectedTotal = 0
        for (rule, verdict) in oracleVerdicts(oracle) {
            let ofRule = results.filter { $0["sla"] as? String == rule }
            let breaching = Set(ofRule.filter { $0["state"] as? String == "breaching" }.map(key))
            let pending = Set(ofRule.filter { $0["state"] as? String == "pending" }.map(key))
            if rule == "slow" {
                #expect(breaching.isEmpty, "\(round): a rule with for: 1h cannot breach yet")
                #expect(
                    pending.subtracting(verdict.undecidable) == verdict.holds.subtracting(verdict.undecidable), "\(round) slow")
                continue
            }
            expectedTotal += verdict.holds.count
            let missing = verdict.holds.subtracting(breaching)
            let unexpected = breaching.subtracting(verdict.holds).subtracting(verdict.undecidable)
            #expect(missing.isEmpty, "\(round) \(rule): breaches not reported: \(missing.sorted())")
            #expect(unexpected.isEmpty, "\(round) \(rule): reported but compliant: \(unexpected.sorted())")
            #expect(pending.isEmpty, "\(round) \(rule): for 0 has no pending state")
        }
        #expect(expectedTotal >= 10, "\(round): the scenario breaches enough to mean something (\(expectedTotal))")
        return document
    }

    @Test func everyBreachIsReportedAndNothingCompliantIs() async throws {
        let simulator = try ChildProcess(
            arguments: [
                "simulate", "--listen", "127.0.0.1:0", "--flows", "30", "--seed", "11",
                "--run-every", "2s", "--history", "20m", "--agents", "4"
            ],
            directory: directory, name: "simulate")
        let simulatorURL = try await simulator.listeningURL()
        let config = directory.appendingPathComponent("config.yaml").path
        try """
        etlworks:
          url: \(simulatorURL.absoluteString)
          api_key: sim-admin-key
          max_requests_per_second: 500
          stop_grace: 0s  # the simulator's canceled is final at once; its oracle counts it so
        poll:
          executions: 1s
          flows: 1s
          summary: 2s
          agents: 1s
          billing: 1s
          schedules: 1s
          health: 2s
          backfill: 1d
        storage:
          path: \(directory.appendingPathComponent("sla.db").path)
        web:
          listen_address: 127.0.0.1:0

        """.appending(Self.slaConfig).write(toFile: config, atomically: true, encoding: .utf8)
        let serve = try ChildProcess(arguments: ["serve", "--config", config], directory: directory, name: "serve")
        let exporter = try await serve.listeningURL()

        // Round 1: the tenant as it is.
        let first = try await checkFrozenTenant(simulator: simulatorURL, exporter: exporter, round: "round 1")
        // A flow breaching some rule (the streak rule's breaches come and go with the clock;
        // among twelve rules one always holds).
        let breach = try #require(
            (first["results"] as? [[String: Any]] ?? []).first {
                $0["state"] as? String == "breaching" && ($0["target"] as? [String: Any])?["kind"] as? String == "flow"
            },
            "the seeded tenant has a flow breaching a rule")
        let breachingRule = try #require(breach["sla"] as? String)
        let breachingFlow = try #require((((breach["target"] as? [String: Any])?["id"]) as? NSNumber)?.int64Value)

        // Round 2: time moves on, a breaching flow is deleted and an agent goes offline.
        _ = try await HTTP.json("POST", simulatorURL.appendingPathComponent("/_sim/clock"), body: ["paused": false])
        _ = try await HTTP.json("DELETE", simulatorURL.appendingPathComponent("/_sim/flows/\(breachingFlow)"))
        _ = try await HTTP.json("POST", simulatorURL.appendingPathComponent("/_sim/agents/0"), body: ["online": false])
        try await Task.sleep(for: .seconds(8))
        let second = try await checkFrozenTenant(simulator: simulatorURL, exporter: exporter, round: "round 2")
        do {
            let results = second["results"] as? [[String: Any]] ?? []
            #expect(
                !results.contains {
                    (($0["target"] as? [String: Any])?["id"] as? NSNumber)?.int64Value == breachingFlow
                        && ($0["target"] as? [String: Any])?["kind"] as? String == "flow"
                },
                "a deleted flow is no longer a target")
            let history = try JSONDecoder().decode(
                SLAHistoryDocument.self, from: try await HTTP.get(exporter.appendingPathComponent("api/v1/sla/history")).1)
            #expect(
                history.episodes.contains {
                    $0.target.kind == "flow" && $0.target.id == breachingFlow && $0.sla == breachingRule && $0.end != nil
                },
                "its breach ended when it was deleted")
        }

        // The other ways to read it agree: /health, /sla, `sla status`, /metrics. Time moves on
        // between reads, so each is compared with the API just before and just after it.
        func breachingNow() async throws -> Int {
            let answer = try await HTTP.get(exporter.appendingPathComponent("api/v1/sla")).1
            return try JSONDecoder().decode(SLADocument.self, from: answer).results.filter { $0.state == "breaching" }.count
        }
        func agrees(_ read: () async throws -> Int, _ what: String) async throws {
            let before = try await breachingNow()
            let value = try await read()
            let after = try await breachingNow()
            #expect((min(before, after)...max(before, after)).contains(value), "\(what): \(value), API \(before)…\(after)")
        }
        try await agrees(
            {
                let (status, data, _) = try await HTTP.get(exporter.appendingPathComponent("health"))
                let health = try JSONDecoder().decode(HealthDocument.self, from: data)
                let breaching = health.sla.breaching
                // A critical breach fails /health; a warning (the `errors` rule, say) only warns.
                let critical = breaching.contains { $0.severity == "critical" }
                let warning = breaching.contains { $0.severity == "warning" }
                #expect((status == 503) == critical && (health.status == .fail) == critical)
                if !critical && warning { #expect(health.status == .warn) }
                #expect(health.reasons.contains { $0.hasPrefix("SLA ") } == (critical || warning))
                return breaching.count
            }, "/health")
        try await agrees(
            {
                let table = try await Tools.run(Tools.exporterBinary.path, ["sla", "status", "--url", exporter.absoluteString])
                #expect(table.status == 0)
                let summary = table.stdout.split(separator: "\n").first { $0.contains(" breaching,") } ?? ""
                return Int(summary.split(separator: ":").last?.split(separator: " ").first ?? "") ?? -1
            }, "sla status")
        try await agrees(
            {
                let (_, data, _) = try await HTTP.get(exporter.appendingPathComponent("metrics"))
                #expect(try await Tools.promtoolCheck(data) == "")
                return try await Exposition.parse(data).filter { $0.name == "etlworks_sla_breach" && $0.value == 1 }.count
            }, "/metrics")
        let (pageStatus, page, _) = try await HTTP.get(exporter.appendingPathComponent("sla"))
        #expect(pageStatus == 200)
        let html = String(decoding: page, as: UTF8.self)
        #expect(html.contains("Breaching now") && !html.contains("<script"))
        #expect(serve.stderr.contains("sim-admin-key") == false)
    }
}
