import Foundation
import TestSupport
import Testing

/// The shipped alert rules: valid, covered by promtool unit tests, and built only on
/// metrics the exporter serves.
@Suite(.endToEnd, .requires("promtool")) struct AlertRulesTests {
    static let alerts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("alerts")

    @Test func rulesPassPromtoolCheckAndUnitTests() async throws {
        let promtool = try Tools.which("promtool")
        let check = try await Tools.run(
            promtool, ["check", "rules", Self.alerts.appendingPathComponent("etlworks-exporter.rules.yml").path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let test = try await Tools.run(
            promtool, ["test", "rules", Self.alerts.appendingPathComponent("tests/etlworks-exporter.test.yml").path])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
    }

    @Test func everyAlertHasATestAndEveryMetricExists() throws {
        let rules = try String(contentsOf: Self.alerts.appendingPathComponent("etlworks-exporter.rules.yml"), encoding: .utf8)
        let tests = try String(
            contentsOf: Self.alerts.appendingPathComponent("tests/etlworks-exporter.test.yml"), encoding: .utf8)
        let alertNames = matches(#"alert: "?(\w+)"#, in: rules)
        #expect(alertNames.count == 16)
        for name in alertNames { #expect(tests.contains("alertname: \(name)"), "\(name) has no promtool test") }
        let fixture = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../ExporterCoreTests/Fixtures/metrics.prom"), encoding: .utf8)
        let served = Set(matches(#"(?m)^(etlworks_\w+)"#, in: fixture))
        // SLA series exist only with SLA rules, which the fixture has none of: MonitoringKitTests
        // checks them against the demo's.
        // Recorded series (level:metric:operations) are the rules' own.
        let exported = rules.replacingOccurrences(of: #"\b\w+:\w+:\w+"#, with: "", options: .regularExpression)
        for metric in Set(matches(#"(etlworks_\w+)"#, in: exported)) where !metric.hasPrefix("etlworks_sla_") {
            #expect(served.contains(metric), "alerts use \(metric), which the exporter does not serve")
        }
    }

    private func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
