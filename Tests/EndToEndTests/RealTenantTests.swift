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
        try await expectMatchesTruth(samples, simulator: simulator)
        #expect(samples.filter { $0.name == "etlworks_flow_stopping_runs" }.allSatisfy { $0.value == 0 })
    }
}
