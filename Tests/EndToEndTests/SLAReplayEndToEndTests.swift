import Foundation
import SLA
import TestSupport
import Testing

/// The built binary on a fresh database whose backfill brings a week of runs (#15): once the
/// replay is done, the breaching set equals what an independent oracle computes from the
/// simulator's raw runs, `for` included, and the history holds the replayed breaches.
extension EndToEndTests {
    static let replayConfig = """
        sla:
          - name: streak
            consecutive_failures: 2
          - name: errors
            error_rate: {max: 0.2, window: 2h, min_runs: 3}
          - name: fresh
            max_since_success: 90m
          - name: sustained
            error_rate: {max: 0.1, window: 2h, min_runs: 3}
            for: 1h
        """

    @Test func aFreshStartOnAWeekOfHistoryBreachesAsTheOracleSays() async throws {
        let simulator = try ChildProcess(
            arguments: [
                "simulate", "--listen", "127.0.0.1:0", "--flows", "22", "--seed", "15", "--run-every", "10m",
                "--history", "7d", "--agents", "1"
            ],
            directory: directory, name: "simulate")
        let simulatorURL = try await simulator.listeningURL()
        _ = try await HTTP.json("POST", simulatorURL.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        let config = directory.appendingPathComponent("replay.yaml").path
        try """
        etlworks:
          url: \(simulatorURL.absoluteString)
          api_key: sim-admin-key
          max_requests_per_second: 500
          stop_grace: 0s
        poll:
          executions: 2s
          backfill: 7d
        storage:
          path: \(directory.appendingPathComponent("replay.db").path)
        web:
          listen_address: 127.0.0.1:0

        """.appending(Self.replayConfig).write(toFile: config, atomically: true, encoding: .utf8)
        let serve = try ChildProcess(arguments: ["serve", "--config", config], directory: directory, name: "serve")
        let exporter = try await serve.listeningURL()

        // The replay, then an evaluation after it.
        let deadline = Date().addingTimeInterval(120)
        var document: [String: Any] = [:]
        while true {
            let health = try await get(exporter, "health") as? [String: Any] ?? [:]
            if (health["sla"] as? [String: Any])?["replay"] as? String == "done" {
                document = try await get(exporter, "api/v1/sla") as? [String: Any] ?? [:]
                if document["evaluated_at_seconds"] is Double { break }
            }
            guard Date() < deadline else { throw HarnessError("no evaluation after a replay: \(health["sla"] ?? "")") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let now = try #require(document["evaluated_at_seconds"] as? Double)
        let runs = try await get(simulatorURL, "/_sim/runs") as? [String: Any] ?? [:]
        let flows = SLAOracle.flows(runs)
        let runCount: Int = flows.reduce(0) { $0 + $1.runCount }
        #expect(runCount > 20 * 24 * 5, "a week of runs: \(runCount)")
        func oracle(at time: Double) -> SLAOracle {
            SLAOracle(now: time, flows: flows, schedules: [:], agents: [:], subscription: [:])
        }
        let current = oracle(at: now)
        var expected: [String: SLAOracle.Verdict] = [
            "streak": current.consecutiveFailures(flows, 2),
            "errors": current.errorRate(flows, max: 0.2, window: 7200, minRuns: 3),
            "fresh": current.maxSinceSuccess(flows, limit: 5400)
        ]
        // `for: 1h`: breaching when the condition has held for an hour, pending when for less;
        // a streak within a minute of an hour either way is left undecided.
        var sustained = SLAOracle.Verdict()
        var pendingExpected = Set<String>()
        for flow in flows {
            let key = "flow:\(flow.id)"
            var held = 0.0
            while held <= 3600 + 120,
                oracle(at: now - held).errorRate([flow], max: 0.1, window: 7200, minRuns: 3).holds.contains(key)
            {
                held += 10
            }
            if held > 3600 + 60 {
                sustained.holds.insert(key)
            } else if held >= 3600 - 60 {
                sustained.undecidable.insert(key)
            } else if held > 0 {
                pendingExpected.insert(key)
            }
        }
        expected["sustained"] = sustained

        let results = document["results"] as? [[String: Any]] ?? []
        func key(_ result: [String: Any]) -> String {
            "flow:\(((result["target"] as? [String: Any])?["id"] as? NSNumber)?.int64Value ?? -1)"
        }
        var breachingTotal = 0
        for (rule, verdict) in expected {
            let ofRule = results.filter { $0["sla"] as? String == rule }
            let breaching = Set(ofRule.filter { $0["state"] as? String == "breaching" }.map(key))
            breachingTotal += breaching.count
            #expect(
                verdict.holds.subtracting(breaching).isEmpty,
                "\(rule): not breaching: \(verdict.holds.subtracting(breaching).sorted())")
            #expect(
                breaching.subtracting(verdict.holds).subtracting(verdict.undecidable).isEmpty,
                "\(rule): breaching but compliant: \(breaching.subtracting(verdict.holds).subtracting(verdict.undecidable).sorted())"
            )
            if rule == "sustained" {
                let pending = Set(ofRule.filter { $0["state"] as? String == "pending" }.map(key))
                #expect(
                    pending.subtracting(sustained.undecidable) == pendingExpected.subtracting(sustained.undecidable),
                    "sustained: pending")
            }
        }
        #expect(breachingTotal >= 4, "the week breaches enough to mean something (\(breachingTotal))")
        #expect(!sustained.holds.isEmpty, "a rule with for: 1h breaches at once on a week of history")

        // The week's breaches are in the history, marked replayed.
        let history = try JSONDecoder().decode(
            SLAHistoryDocument.self,
            from: try await HTTP.get(
                URL(
                    string: exporter.appendingPathComponent("api/v1/sla/history").absoluteString + "?from=\(Int(now) - 8 * 86400)"
                )!
            ).1)
        let replayed = history.episodes.filter(\.replayed)
        #expect(replayed.count > 20 && replayed.contains { $0.end != nil }, "\(replayed.count) replayed episodes")

        // The streak and freshness rules over time, from the raw runs: each episode within a
        // poll interval (2 s, and the history's whole seconds) of the oracle's, and each flow's
        // compliance over the observed week (from the oldest run to now) what the oracle's
        // episodes give.
        let fromMs = try #require(SLAOracle.oldestStartMs(flows))
        let nowMs = Int64(now * 1000)
        func seconds(_ text: String?) -> Double? {
            text.flatMap { ISO8601DateFormatter().date(from: $0)?.timeIntervalSince1970 }
        }
        var episodesCompared = 0
        for flow in flows {
            for (rule, expected) in [
                ("streak", SLAOracle.streakEpisodes(flow, count: 2)),
                ("fresh", SLAOracle.freshnessEpisodes(flow, limitMs: 5_400_000, nowMs: nowMs))
            ] {
                let found = history.episodes.filter { $0.sla == rule && $0.target.id == flow.id }
                #expect(
                    found.count == expected.count,
                    "\(rule), flow \(flow.id): \(found.count) episodes, the oracle \(expected.count)")
                for (episode, oracle) in zip(found, expected) {
                    let start = Double(oracle.startMs) / 1000
                    #expect(
                        abs((seconds(episode.start) ?? 0) - start) <= 3, "\(rule), flow \(flow.id): \(episode.start) vs \(start)")
                    if let end = oracle.endMs {
                        #expect(
                            abs((seconds(episode.end) ?? 0) - Double(end) / 1000) <= 3,
                            "\(rule), flow \(flow.id): \(episode.end ?? "on")")
                    } else {
                        #expect(episode.end == nil, "\(rule), flow \(flow.id): still on")
                    }
                    episodesCompared += 1
                }
                let breachMs = expected.reduce(Int64(0)) {
                    $0 + max(0, min($1.endMs ?? nowMs, nowMs) - max($1.startMs, fromMs))
                }
                let oracleCompliance = 1 - Double(breachMs) / Double(nowMs - fromMs)
                let result = results.first { $0["sla"] as? String == rule && key($0) == "flow:\(flow.id)" }
                let compliance = try #require(result?["compliance_30d"] as? Double, "\(rule), flow \(flow.id): no compliance")
                #expect(
                    abs(compliance - oracleCompliance) < 2e-4, "\(rule), flow \(flow.id): \(compliance) vs \(oracleCompliance)")
            }
        }
        #expect(episodesCompared > 20, "\(episodesCompared) streak episodes compared")
    }
}
