import ExporterBase
import ExporterConfiguration
import Foundation
import Logging
import Simulator
import TestSupport
import Testing
import Vocabulary

@testable import EtlworksAPI
@testable import ExporterCore
@testable import Exposition
@testable import SLA
@testable import Store

/// The conventions SREs expect of an exporter (#30): families whose `sum()` means something,
/// series only where they carry news, the process metrics client libraries export.
@Suite struct MetricConventionsTests {
    static func lines(_ snapshot: ExporterSnapshot) -> [Substring] {
        String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self).split(separator: "\n")
    }

    @Test func billingSeatsAreTwoGaugesNotOneFamilyWhoseSumIsMeaningless() async {
        let lines = Self.lines(await RendererTests.snapshot())
        #expect(lines.contains("etlworks_billing_seats_used 7"))
        #expect(lines.contains("etlworks_billing_seats_limit 10"))
        #expect(!lines.contains { $0.hasPrefix("etlworks_billing_seats{") })
    }
}

extension MetricConventionsTests {
    @Test(.requires("promtool")) func withCurrentStatusSeriesEachFlowHasOneStatusSeriesValuedOne() async throws {
        var settings = MetricsSettings()
        let flows = MetricsControlTests.flows.enumerated().map { index, flow in
            var flow = flow
            flow.lastStatus = [RunStatus.success, .error, .unknown][index]
            return flow
        }
        func statusLines(_ settings: MetricsSettings) async -> [Substring] {
            let snapshot = await MetricsControlTests.snapshot(settings, flows: flows)
            return Self.lines(snapshot).filter { $0.hasPrefix("etlworks_flow_last_run_status{") }
        }
        let all = await statusLines(settings)
        #expect(all.count == 4 + 4 + 5, "one per status, and unknown when it is the latest")
        settings.statusSeries = .current
        let current = await statusLines(settings)
        #expect(current == all.filter { $0.hasSuffix(" 1") }, "the ones valued 1, in the same order")
        #expect(current.count == 3)
        #expect(current[1].contains(#"flow_id="2""#) && current[1].contains(#"status="error""#))
        let snapshot = await MetricsControlTests.snapshot(settings, flows: flows)
        #expect(try await Tools.promtoolCheck(Data(MetricsRenderer.render(snapshot, format: .prometheusText))) == "")
    }
}

extension MetricConventionsTests {
    /// `/proc/self/stat` as Linux writes it, with a command name holding spaces and a ')'.
    @Test func processStatsAreReadAsClientLibrariesReadThem() throws {
        let stat =
            "4242 (etl exporter) x) S 1 4242 4242 0 -1 4194560 2500 0 0 0 1250 250 0 0 20 0 9 0 360000 1073741824 7680 "
            + "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0\n"
        let limits = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max open files            1024                 524288               files

            """
        let stats = try #require(
            ProcessStats.parse(
                stat: stat, bootTime: 1_764_000_000, ticksPerSecond: 100, pageSize: 4096, limits: limits, openFds: 17))
        #expect(stats.cpuSeconds == 15, "(1250 + 250) ticks at 100 a second")
        #expect(stats.startTimeSeconds == 1_764_003_600, "boot + 360000 ticks")
        #expect(stats.virtualBytes == 1_073_741_824)
        #expect(stats.residentBytes == 7680 * 4096)
        #expect(stats.openFds == 17 && stats.maxFds == 1024, "the soft limit")
        #expect(
            ProcessStats.parse(stat: "garbage", bootTime: 0, ticksPerSecond: 100, pageSize: 4096, limits: nil, openFds: nil)
                == nil)
        #expect(ProcessStats.maxOpenFiles("Max open files            unlimited            unlimited            files") == nil)
        #expect(ProcessStats.bootTime("cpu  1 2 3\nbtime 1764000000\nprocesses 9\n") == 1_764_000_000)
        // Without /proc/stat (systemd's ProcSubset=pid), the clock since boot gives the same
        // boot time as btime (whole seconds).
        let btime = try #require(ProcessStats.bootTime(try String(contentsOfFile: "/proc/stat", encoding: .utf8)))
        let fromClock = try #require(ProcessStats.bootTimeFromClock())
        #expect(abs(fromClock - btime) < 2, "\(fromClock) vs btime \(btime)")
        // This process, for real.
        let current = try #require(ProcessStats.current())
        #expect(current.residentBytes > 1_000_000 && current.cpuSeconds > 0)
        #expect(current.startTimeSeconds <= Date().timeIntervalSince1970)
    }
}

extension MetricConventionsTests {
    /// Each API request is timed once, by its endpoint template, against the simulator.
    @Test(.requires("promtool")) func apiRequestsAreTimedByEndpointTemplate() async throws {
        let harness = try await SimulatorHarness.start(SimulatorOptions(flows: 4, runEvery: 600, history: 3600))
        let context = try CollectorTests().context(harness)
        _ = try await FlowsCollector(context: context, logger: Logger(label: "t")).collect()
        _ = try await ExecutionsCollector(context: context, logger: Logger(label: "t")).collect()
        let lines = Self.lines(await context.state.snapshot())
        func value(_ prefix: String) -> Double {
            lines.filter { $0.hasPrefix(prefix) }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
        let endpoints = Set(
            lines.filter { $0.hasPrefix("etlworks_exporter_api_requests_total{") }.compactMap {
                $0.firstMatch(of: /endpoint="([^"]+)"/).map { String($0.1) }
            })
        #expect(endpoints.contains("/v1/flows"), "\(endpoints)")
        for endpoint in endpoints {
            let requests = value("etlworks_exporter_api_requests_total{endpoint=\"\(endpoint)\"")
            let timed = value("etlworks_exporter_api_request_duration_seconds_count{endpoint=\"\(endpoint)\"}")
            #expect(requests > 0 && timed == requests, "\(endpoint): \(requests) requests, \(timed) timed")
            let inf = value("etlworks_exporter_api_request_duration_seconds_bucket{endpoint=\"\(endpoint)\",le=\"+Inf\"}")
            #expect(inf == requests)
            #expect(value("etlworks_exporter_api_request_duration_seconds_sum{endpoint=\"\(endpoint)\"}") > 0)
        }
        let text = Data(MetricsRenderer.render(await context.state.snapshot(), format: .prometheusText))
        #expect(try await Tools.promtoolCheck(text) == "")
    }

    @Test func aRequestFallsInTheFirstBucketItFits() {
        let counter = RequestCounter()
        for seconds in [0.01, 0.025, 0.026, 3, 120] { counter.record(endpoint: "/v1/flows", code: "200", seconds: seconds) }
        counter.record(endpoint: "/v1/flows", code: "error") // not timed: nothing was measured
        let durations = try! #require(counter.durations["/v1/flows"])
        // Bounds 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, +Inf.
        #expect(durations.cumulative == [2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5])
        #expect(abs(durations.sum - 123.061) < 1e-9)
        #expect(counter.total == 6)
    }
}

extension MetricConventionsTests {
    /// No SLA family mixes units: seconds, ratios and runs each have their own, and each series
    /// names its condition.
    @Test(.requires("promtool")) func slaValuesAndThresholdsHaveOneUnitPerFamilyAndNameTheirCondition() async throws {
        let snapshot = await MetricCatalogueTests.fullSnapshot()
        let lines = Self.lines(snapshot).filter { !$0.hasPrefix("#") }
        func series(_ family: String) -> [Substring] { lines.filter { $0.hasPrefix(family + "{") } }
        #expect(
            series("etlworks_sla_value_ratio") == [
                #"etlworks_sla_value_ratio{sla="orders-objective",flow_id="7",flow_name="orders",severity="critical",condition="objective"} 0.9"#
            ])
        #expect(series("etlworks_sla_threshold_ratio").map { $0.split(separator: " ").last } == ["0.99"])
        #expect(
            series("etlworks_sla_value_seconds").count == 1
                && series("etlworks_sla_value_seconds")[0].contains(#"condition="max_duration""#))
        #expect(series("etlworks_sla_threshold_seconds").map { $0.split(separator: " ").last } == ["3600"])
        #expect(
            series("etlworks_sla_value_runs").count == 1
                && series("etlworks_sla_value_runs")[0].hasSuffix(#"condition="consecutive_failures"} 3"#))
        #expect(series("etlworks_sla_value").isEmpty && series("etlworks_sla_threshold").isEmpty, "the mixed families are gone")
        // Every condition has a unit.
        let conditions: [SLACondition] = [
            .maxDuration(seconds: 1), .durationPercentile(p: 0.5, max: 1, window: 1), .errorRate(max: 0.1, window: 1, minRuns: 1),
            .maxSinceSuccess(seconds: 1), .maxQueued(seconds: 1), .consecutiveFailures(2), .missedSchedule(grace: 1),
            .agentOffline(for: 1), .billingUsage(maxRatio: 0.9, period: .month), .objective(target: 0.9, window: 86400),
            .streamLatency(max: 1), .deadline(Deadline(at: 0)), .streamStalled(for: 1)
        ]
        #expect(
            Dictionary(grouping: conditions.map(\.key), by: { key in conditions.first { $0.key == key }!.unit }).mapValues(
                \.count)
                == [.seconds: 9, .ratio: 3, .runs: 1])
        #expect(try await Tools.promtoolCheck(Data(MetricsRenderer.render(snapshot, format: .prometheusText))) == "")
    }
}

extension MetricConventionsTests {
    /// Bucket indices as client_golang computes them, and the spans and deltas of its wire format.
    @Test func nativeBucketsFallWherePrometheusPutsThem() {
        // Schema 3: bounds 2^(i/8). 1 is the upper bound of bucket 0; 2 of bucket 8.
        #expect(NativeHistogram.index(of: 1, schema: 3) == 0)
        #expect(NativeHistogram.index(of: 1.0001, schema: 3) == 1)
        #expect(NativeHistogram.index(of: 2, schema: 3) == 8)
        #expect(NativeHistogram.index(of: 0.5, schema: 3) == -8)
        #expect(NativeHistogram.index(of: 3600, schema: 3) == Int((log2(3600.0) * 8).rounded(.up)))
        // Schema 0: (1, 2] is bucket 1, (2, 4] bucket 2; schema −1: factor 4.
        #expect(NativeHistogram.index(of: 3, schema: 0) == 2)
        #expect(NativeHistogram.index(of: 4, schema: 0) == 2)
        #expect(NativeHistogram.index(of: 5, schema: -1) == 2)
        #expect(NativeHistogram.schema(forFactor: 1.1) == 3)
        #expect(NativeHistogram.schema(forFactor: 2) == 0)
        #expect(NativeHistogram.schema(forFactor: 1.0001) == 8)
        for index in [-20, -1, 0, 1, 7, 100] {
            let upper = NativeHistogram.upperBound(index, schema: 3)
            #expect(NativeHistogram.index(of: upper * 0.9999, schema: 3) == index, "just below bucket \(index)'s bound")
            #expect(NativeHistogram.index(of: upper * 1.0001, schema: 3) == index + 1)
        }
        var histogram = NativeHistogram(schema: 3)
        histogram.counts = [0: 2, 1: 3, 5: 1, -3: 4]
        histogram.observe(0)
        let (spans, deltas) = histogram.spansAndDeltas
        #expect(spans.map { [Int($0.offset), Int($0.length)] } == [[-3, 1], [2, 2], [3, 1]])
        #expect(deltas == [4, -2, 1, -2])
        #expect(histogram.zeroCount == 1 && histogram.totalCount == 11)
    }

    @Test func prometheusAskingForProtocolBuffersGetsThem() {
        // Prometheus 2.42 with --enable-feature=native-histograms.
        let native =
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.8,application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
        #expect(ExpositionFormat.negotiate(accept: native) == .protobuf)
        // Without the feature it does not list them.
        #expect(
            ExpositionFormat.negotiate(
                accept:
                    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
            )
                == .openMetrics)
        #expect(
            ExpositionFormat.negotiate(accept: "application/vnd.google.protobuf;proto=other;encoding=delimited")
                == .prometheusText)
    }
}
