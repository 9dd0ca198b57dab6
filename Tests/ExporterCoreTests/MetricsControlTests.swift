import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import Exposition
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import ExporterCore
@testable import SLA
@testable import Store

/// The `metrics:` controls (issue #17): families, flows, buckets and the name label a user
/// does not want are left out of /metrics; a bad control is an error naming its key and line.
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
        trimmed.exportSettings.disabled = [
            "etlworks_flow_run_duration_seconds", "etlworks_flow_last_run_status", "etlworks_agent"
        ]
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
        #expect(try await Tools.promtoolCheck(Data(text.utf8)) == "")
        let openMetrics = MetricsRenderer.render(trimmed, format: .openMetrics)
        #expect(try await Tools.pythonParse(Data(openMetrics), openMetrics: true) > 0)
    }

    // MARK: Flows, buckets, the name label

    @Test func theControlsAreReadAndEachBadOneIsNamedWithItsLine() throws {
        let config = try loader.load(
            yaml: Self.head + """
                metrics:
                  flows:
                    include: {tags: [prod]}
                    exclude: {names: ["tmp-*"], ids: [3, 7]}
                  duration_buckets: [10, 60, 300, 3600]
                  flow_name_label: true
                  status_series: current

                """
        ).get()
        let settings = config.metrics
        #expect(settings.durationBuckets.upperBoundsSeconds == [10, 60, 300, 3600])
        #expect(settings.flowNameLabel)
        #expect(settings.statusSeries == .current)
        #expect(settings.exports(FlowRecord(id: 1, name: "orders", tags: ["prod"])))
        #expect(!settings.exports(FlowRecord(id: 2, name: "orders", tags: ["dev"])), "not included")
        #expect(!settings.exports(FlowRecord(id: 3, name: "tmp-orders", tags: ["prod"])), "excluded by name")
        #expect(settings.exports(FlowRecord(id: 7, name: "orders", tags: ["prod"])), "a selector's lists narrow each other")
        let defaults = try loader.load(yaml: Self.head).get().metrics
        #expect(defaults.statusSeries == .all)
        #expect(
            !defaults.flowNameLabel && defaults.durationBuckets == .standard && defaults.exports(FlowRecord(id: 1, name: "x")))

        let bad: [(String, String, Int)] = [
            ("  duration_buckets: [60, 10]\n", "metrics.duration_buckets", 5),
            ("  duration_buckets: [0]\n", "metrics.duration_buckets", 5),
            ("  duration_buckets: []\n", "metrics.duration_buckets", 5),
            ("  duration_buckets: 60\n", "metrics.duration_buckets", 5),
            ("  flow_name_label: maybe\n", "metrics.flow_name_label", 5),
            ("  status_series: latest\n", "metrics.status_series", 5),
            ("  flows:\n    include: {colour: red}\n", "metrics.flows.include.colour", 6),
            ("  flows:\n    exclude: {ids: [x1]}\n", "metrics.flows.exclude.ids", 6),
            ("  flows:\n    exlude: {ids: [1]}\n", "metrics.flows.exlude", 6),
            ("  flows:\n    include: {names: [\"[\"]}\n", "metrics.flows.include.names", 6)
        ]
        for (yaml, key, line) in bad {
            let issues = try #require(loader.load(yaml: Self.head + "metrics:\n" + yaml).failureIssues, "\(yaml)")
            #expect(issues.map(\.key) == [key] && issues.first?.line == line, "\(yaml): \(issues)")
        }
    }

    static func snapshot(_ settings: MetricsSettings, flows: [FlowMetrics]) async -> ExporterSnapshot {
        let state = ExporterState(storagePath: "x.db", intervals: [:], requests: RequestCounter())
        await state.setFlows(flows)
        await state.setExportSettings(settings)
        return await state.snapshot()
    }

    static let flows: [FlowMetrics] = [
        FlowRecord(id: 1, name: "orders \"eu\"", tags: ["prod"]), FlowRecord(id: 2, name: "tmp-scratch", tags: ["prod"]),
        FlowRecord(id: 3, name: "dev copy", tags: ["dev"])
    ].map { record in
        var flow = FlowMetrics(flow: record)
        flow.completedRuns = [.success: 3]
        flow.durationBucketCounts[2] = 3
        flow.lastStatus = .success
        return flow
    }

    @Test(.requires("promtool")) func excludedFlowsHaveNoPerFlowSeries() async throws {
        var settings = MetricsSettings()
        settings.includedFlows = FlowSelector(tags: ["prod"])
        settings.excludedFlows = FlowSelector(names: [try Glob("tmp-*")])
        let snapshot = await Self.snapshot(settings, flows: Self.flows)
        let text = String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self)
        let ids = Set(text.matches(of: /flow_id="(\d+)"/).map { String($0.1) })
        #expect(ids == ["1"])
        #expect(snapshot.flows.count == 3, "every flow is still known (history, SLA, totals)")
        #expect(try await Tools.promtoolCheck(Data(text.utf8)) == "")
    }

    @Test(.requires("promtool")) func customBucketsAreServedAndValid() async throws {
        var settings = MetricsSettings()
        settings.durationBuckets = try #require(DurationBuckets([30, 600, 7200]))
        let flows = Self.flows.map { flow in
            var flow = flow
            flow.durationBucketCounts = [1, 0, 2, 0]
            return flow
        }
        let snapshot = await Self.snapshot(settings, flows: flows)
        let text = String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self)
        let buckets = text.split(separator: "\n").filter {
            $0.hasPrefix("etlworks_flow_run_duration_seconds_bucket{flow_id=\"1\"")
        }
        #expect(buckets.map { $0.split(separator: " ").last! } == ["1", "1", "3", "3"])
        #expect(buckets.map { String($0.firstMatch(of: /le="([^"]+)"/)!.1) } == ["30.0", "600.0", "7200.0", "+Inf"])
        #expect(try await Tools.promtoolCheck(Data(text.utf8)) == "")
    }

    @Test(.requires("promtool", "python3")) func withoutTheNameLabelOnlyTheInfoMetricCarriesTheName() async throws {
        var settings = MetricsSettings()
        settings.flowNameLabel = false
        let snapshot = await Self.snapshot(settings, flows: Self.flows)
        let text = String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self)
        let named = text.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("flow_name=") }
        #expect(named.count == 3 && named.allSatisfy { $0.hasPrefix("etlworks_flow_info{flow_id=") }, "\(named)")
        #expect(named.contains { $0.contains(#"flow_name="orders \"eu\"""#) })
        #expect(text.contains(#"etlworks_flow_runs_total{flow_id="1",status="success"} 3"#))
        #expect(try await Tools.promtoolCheck(Data(text.utf8)) == "")
        let openMetrics = MetricsRenderer.render(snapshot, format: .openMetrics)
        #expect(try await Tools.pythonParse(Data(openMetrics), openMetrics: true) > 0)
    }

    @Test func breachOnlyRulesExportTheBreachAndItsCounterAlone() async throws {
        var snapshot = await MetricCatalogueTests.fullSnapshot()
        let everything = String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self)
        snapshot.sla.rules[0].export = .breachOnly
        let text = String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self)
        let served = Set(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("sla=\"orders-objective\"") }
                .map { String($0.prefix { $0 != "{" }) })
        #expect(served == ["etlworks_sla_breach", "etlworks_sla_breaches_total"])
        #expect(everything.contains("etlworks_sla_compliance_ratio{sla=\"orders-objective\""), "the full rule has them")
        let config = try loader.load(
            yaml: Self.head + "sla:\n  - name: r\n    flows: {}\n    error_rate: {max: 0.1}\n    export: breach_only\n"
        ).get()
        #expect(config.sla.first?.export == .breachOnly)
        let issues = try #require(
            loader.load(yaml: Self.head + "sla:\n  - name: r\n    flows: {}\n    error_rate: {max: 0.1}\n    export: less\n")
                .failureIssues)
        #expect(issues.map(\.key) == ["sla[0] r.export"] && issues.first?.line == 8, "\(issues)")
    }
}
