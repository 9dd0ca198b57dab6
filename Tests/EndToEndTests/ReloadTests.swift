import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGHUP on the built binary: a valid configuration replaces the rules and intervals while
/// counters and SLA state carry over; an invalid one is logged and ignored; SIGTERM still
/// stops it cleanly. Part of the serialized end-to-end suite.
extension EndToEndTests {
    func writeReloadConfig(_ path: String, simulator: URL, agentsInterval: String, rules: String) throws {
        try """
        etlworks:
          url: \(simulator.absoluteString)
          api_key: sim-admin-key
          max_requests_per_second: 200
        poll: {executions: 1s, flows: 2s, summary: 2s, agents: \(agentsInterval), billing: 2s, health: 2s, backfill: 1d}
        storage:
          path: \(directory.appendingPathComponent("reload.db").path)
        web:
          listen_address: 127.0.0.1:0
        \(rules)
        """.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func document(_ url: URL) async throws -> [String: Any] {
        let (_, body, _) = try await HTTP.get(url)
        return try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    }

    @Test func sighupReloadsRulesAndIntervalsWithoutLosingState() async throws {
        let (simulatorProcess, simulator) = try await startSimulator(flows: 8)
        defer { simulatorProcess.process.terminate() }
        let path = directory.appendingPathComponent("reload.yaml").path
        try writeReloadConfig(
            path, simulator: simulator, agentsInterval: "2s",
            rules: """
                sla:
                  - name: before
                    consecutive_failures: 100
                """)
        let exporter = try ChildProcess(arguments: ["serve", "--config", path], directory: directory, name: "serve-reload")
        defer { exporter.process.terminate() }
        let url = try await exporter.listeningURL()
        var samples = try await waitForPolls(url, "executions", moreThan: 0, count: 2)
        func runs(_ samples: [ParsedSample]) -> Double {
            samples.filter { $0.name == "etlworks_flow_runs_total" }.reduce(0) { $0 + $1.value }
        }
        let runsBefore = runs(samples)
        #expect(runsBefore > 0)

        // A valid change: a rule replaced, another added, the agents interval changed.
        try writeReloadConfig(
            path, simulator: simulator, agentsInterval: "7s",
            rules: """
                sla:
                  - name: after
                    consecutive_failures: 100
                  - name: streak
                    consecutive_failures: 1
                """)
        kill(exporter.process.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(30)
        var rules: [String] = []
        while Date() < deadline {
            let sla = try? await document(url.appendingPathComponent("api/v1/sla"))
            rules = ((sla?["rules"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
            if rules.sorted() == ["after", "streak"] { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(rules.sorted() == ["after", "streak"], "the new rules are evaluated")
        #expect(exporter.process.isRunning)
        let health = try await document(url.appendingPathComponent("health"))
        let agents = (health["resources"] as? [String: Any])?["agents"] as? [String: Any]
        #expect((agents?["interval_seconds"] as? NSNumber)?.doubleValue == 7, "\(health["resources"] ?? "")")
        samples = try await waitForPolls(url, "executions", moreThan: 0, count: 1)
        #expect(runs(samples) >= runsBefore, "counters carry over: they come from the stored runs")
        // The removed rule's open state is gone, the kept database still answers its history.
        _ = try await document(url.appendingPathComponent("api/v1/sla/history"))

        // An invalid change is refused and the running configuration stays.
        try "etlworks:\n  url: \(simulator.absoluteString)\n  bogus_key: 1\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        kill(exporter.process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .seconds(2))
        #expect(exporter.process.isRunning)
        let sla = try await document(url.appendingPathComponent("api/v1/sla"))
        #expect(((sla["rules"] as? [[String: Any]]) ?? []).count == 2)
        #expect(exporter.stderr.contains("configuration not reloaded"), "the refusal is logged")
        #expect(exporter.stderr.contains("bogus_key"), "naming the problem")

        let (code, seconds) = try await exporter.terminate()
        #expect(code == 0)
        #expect(seconds < 10)
    }
}
