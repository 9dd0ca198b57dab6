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
        #expect(try Tools.promtoolCheck(raw) == "")
    }

    @Test func checkConfigNamesAnUnknownFamily() throws {
        let path = directory.appendingPathComponent("disable.yaml").path
        try "etlworks:\n  url: http://x\n  api_key: k\nmetrics:\n  disable: [etlworks_flow_rnus_total]\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try Tools.run(Tools.exporterBinary.path, ["check-config", "--config", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("metrics.disable (line 5)") && result.stderr.contains("etlworks_flow_rnus_total"))
        #expect(result.stderr.contains("etlworks_flow_runs"), "lists the known names")
    }
}
