import ExporterConfiguration
import Exposition
import Foundation
import TestSupport
import Testing

@testable import ExporterCore

/// `metrics.disable`: families a user does not want are left out of /metrics; a name the
/// exporter does not know is an error that lists the ones it does.
@Suite struct MetricsControlTests {
    let loader = ConfigLoader(environment: [:], metricFamilies: MetricCatalogue.disableableNames)
    static let head = "etlworks:\n  url: https://x.example\n  api_key: k\n"

    @Test func familiesAreNamedWithOrWithoutTheirSuffix() throws {
        let config = try loader.load(
            yaml: Self.head
                + "metrics:\n  disable: [etlworks_flow_run_duration_seconds, etlworks_flow_runs_total, etlworks_agent_info]\n"
        ).get()
        #expect(config.metrics.disabled == ["etlworks_flow_run_duration_seconds", "etlworks_flow_runs", "etlworks_agent"])
        #expect(try loader.load(yaml: Self.head).get().metrics.disabled.isEmpty)
    }

    @Test func anUnknownNameOrKeyIsAnErrorNamingIt() throws {
        let issues = try #require(
            loader.load(yaml: Self.head + "metrics:\n  disable: [etlworks_flow_runs, etlworks_flow_rnus]\n  keep: 1\n")
                .failureIssues)
        let unknown = try #require(issues.first { $0.message.contains("etlworks_flow_rnus") })
        #expect(unknown.key == "metrics.disable" && unknown.line == 5)
        #expect(unknown.message.contains("etlworks_flow_run_duration_seconds"), "lists the known names")
        #expect(issues.contains { $0.key == "metrics.keep" })
    }

    @Test(.requires("promtool")) func disabledFamiliesAreAbsentAndTheRestIsValid() async throws {
        let snapshot = await RendererTests.snapshot()
        var trimmed = snapshot
        trimmed.disabledFamilies = ["etlworks_flow_run_duration_seconds", "etlworks_flow_last_run_status", "etlworks_agent"]
        let full = String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self)
        let text = String(decoding: MetricsRenderer.render(trimmed, format: .prometheusText), as: UTF8.self)
        for name in ["etlworks_flow_run_duration_seconds", "etlworks_flow_last_run_status", "etlworks_agent_info"] {
            #expect(full.contains(name))
            #expect(!text.contains(name), "\(name)")
        }
        let kept = full.split(separator: "\n").filter {
            !$0.contains("etlworks_flow_run_duration_seconds") && !$0.contains("etlworks_flow_last_run_status")
                && !$0.contains("etlworks_agent_info")
        }
        #expect(text.split(separator: "\n") == kept, "everything else is unchanged")
        #expect(try Tools.promtoolCheck(Data(text.utf8)) == "")
        let openMetrics = MetricsRenderer.render(trimmed, format: .openMetrics)
        #expect(try Tools.pythonParse(Data(openMetrics), openMetrics: true) > 0)
    }
}
