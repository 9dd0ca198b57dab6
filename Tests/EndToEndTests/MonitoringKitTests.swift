import Foundation
import TestSupport
import Testing

/// The dashboards, alert rules and deploy kit against the real tools: the built binary's
/// demo scraped by a real Prometheus, every dashboard and alert query sent to it, promtool,
/// amtool, the Kubernetes YAML and systemd-analyze (see scripts/check-monitoring.py). Part
/// of the serialized end-to-end suite: it runs the demo and a Prometheus.
extension EndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theMonitoringKitWorksAgainstARealPrometheus() async throws {
        let script = Self.root.appendingPathComponent("scripts/check-monitoring.py").path
        let result = try await Tools.run("/usr/bin/python3", [script, "--binary", Tools.exporterBinary.path])
        #expect(result.status == 0, "\(result.stdout.suffix(4000))\(result.stderr.suffix(2000))")
        #expect(result.stdout.contains("monitoring kit: all checks passed"))
        #expect(result.stdout.contains("dashboard queries sent to Prometheus"))
    }

    /// The check can fail: a dashboard query with a PromQL syntax error, a metric the catalogue
    /// does not define, an Overview panel without data and a dashboard edited by hand instead
    /// of in the mixin are all reported.
    @Test func theMonitoringCheckCatchesABrokenQuery() async throws {
        let copy = try Tools.temporaryDirectory()
        for item in ["scripts", "dashboards", "alerts", "deploy", "mixin"] {
            try FileManager.default.copyItem(at: Self.root.appendingPathComponent(item), to: copy.appendingPathComponent(item))
        }
        let overview = copy.appendingPathComponent("dashboards/etlworks-overview.json")
        var text = try String(contentsOf: overview, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "\"expr\": \"sum(etlworks_sla_breach{", with: "\"expr\": \"sum(etlworks_sla_breach{{")
        text = text.replacingOccurrences(of: "etlworks_flow_queued_runs", with: "etlworks_flow_waiting_runs")
        try text.write(to: overview, atomically: true, encoding: .utf8)
        let result = try await Tools.run(
            "/usr/bin/python3",
            [
                copy.appendingPathComponent("scripts/check-monitoring.py").path,
                "--binary", Tools.exporterBinary.path
            ])
        #expect(result.status == 1)
        for job in ["etlworks", "etlworks-named"] {
            #expect(
                result.stdout.contains("FAIL: \(job): etlworks-overview.json panel 'SLA breaches now'"),
                "\(result.stdout.suffix(3000))")
        }
        #expect(
            result.stdout.contains(
                "FAIL: etlworks_flow_waiting_runs is used by the dashboards or alerts but is not in the metric catalogue"))
        #expect(
            result.stdout.contains(
                "FAIL: etlworks: etlworks-overview.json panel 'Running and queued runs': no data from the demo"))
        #expect(result.stdout.contains("not the mixin's rendering (run scripts/mixin.sh): dashboards/etlworks-overview.json"))
    }
}
