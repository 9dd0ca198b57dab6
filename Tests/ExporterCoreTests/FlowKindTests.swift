import EtlworksAPI
import ExporterBase
import Exposition
import Foundation
import Logging
import SLA
import Store
import TestSupport
import Testing

@testable import ExporterConfiguration
@testable import ExporterCore

/// Each flow is judged by what it is: a stream, a scheduled flow or one run by hand. The kind
/// shows on etlworks_flow_info and SLA selectors can pick flows by it.
@Suite struct FlowKindTests {
    static func flow(_ id: Int64, _ name: String, tags: [String] = []) -> FlowMetrics {
        var metrics = FlowMetrics(flow: FlowRecord(id: id, name: name, tags: tags))
        metrics.lastSuccessEnd = 1_764_000_000_000
        return metrics
    }

    @Test func kindsComeFromStreamsSelectedAndSchedulesRead() async throws {
        let state = ExporterState(storagePath: ":memory:", intervals: [:], requests: RequestCounter())
        var streams = FlowSelector()
        streams.tags = ["cdc"]
        await state.setStreamingFlows(streams)
        await state.setFlows([
            Self.flow(1, "orders cdc", tags: ["cdc"]), Self.flow(2, "nightly load"), Self.flow(3, "by hand")
        ])
        // Before schedules are read, only the stream is known.
        var kinds = await state.snapshot().flows.map(\.kind)
        #expect(kinds == [.streaming, nil, nil])
        await state.setSchedules([
            FlowSchedule(id: 10, flowId: 2, schedule: "0 0 2 * * ?"), FlowSchedule(id: 11, flowId: 1, schedule: "3600"),
            FlowSchedule(id: 12, flowId: 3, enabled: false, schedule: "60")
        ])
        kinds = await state.snapshot().flows.map(\.kind)
        #expect(kinds == [.streaming, .scheduled, .unscheduled], "a stream started by a schedule is still a stream")

        let text = String(decoding: MetricsRenderer.render(await state.snapshot(), format: .prometheusText), as: UTF8.self)
        #expect(
            text.contains(#"etlworks_flow_info{flow_id="1",flow_name="orders cdc",flow_type="",kind="streaming",tags=",cdc,"} 1"#)
        )
        #expect(
            text.contains(#"etlworks_flow_info{flow_id="2",flow_name="nightly load",flow_type="",kind="scheduled",tags=""} 1"#))
        #expect(text.contains(#"etlworks_flow_info{flow_id="3",flow_name="by hand",flow_type="",kind="unscheduled",tags=""} 1"#))
        #expect(try await Tools.promtoolCheck(Data(text.utf8)) == "")

        let observed = await state.slaObservations()
        #expect(observed.kinds == [1: .streaming, 2: .scheduled, 3: .unscheduled])
    }

    @Test func selectorsPickFlowsByKind() throws {
        let head = "etlworks: {url: \"https://x\", api_key: k, streaming_flows: {names: [\"*cdc*\"]}}\n"
        let config = try ConfigLoader(environment: [:]).load(
            yaml: head + "sla:\n  - name: fresh\n    flows: {kinds: [scheduled], tags: [nightly]}\n    max_since_success: 1d\n"
        ).get()
        #expect(config.api.streamingFlows?.names.map(\.description) == ["*cdc*"])
        guard case .flows(let selector) = config.sla[0].target else {
            Issue.record("not a flow rule")
            return
        }
        let nightly = FlowRecord(id: 1, name: "n", tags: ["nightly"])
        #expect(selector.matches(nightly, kind: .scheduled))
        #expect(!selector.matches(nightly, kind: .unscheduled) && !selector.matches(nightly, kind: nil))

        let issues = try #require(
            ConfigLoader(environment: [:]).load(
                yaml: head + "sla:\n  - name: x\n    flows: {kinds: [batch]}\n    max_since_success: 1d\n"
            ).failureIssues)
        #expect(
            issues.map(\.key) == ["sla[0] x.flows.kinds"] && issues[0].message.contains("'batch' is not a flow kind"), "\(issues)"
        )
        #expect(issues[0].line == 4, "\(issues)")
    }
}

/// A flow's expectations, exported for alert rules: its own cadence and run time.
@Suite struct FlowExpectationTests {
    static let utc = TimeZone(identifier: "UTC")!
    /// Thursday 2026-12-03 12:00 UTC.
    static let now = 1_764_763_200.0

    func expectation(_ schedules: [FlowSchedule], p95: Double? = nil) -> FlowExpectation {
        FlowExpectation.of(schedules: schedules, recentP95: p95, now: Self.now, timeZone: Self.utc)
    }

    @Test func theIntervalIsTheScheduleRegularGap() {
        #expect(expectation([FlowSchedule(id: 1, flowId: 1, schedule: "0 0 * * * ?")]).interval == 3600)
        #expect(expectation([FlowSchedule(id: 1, flowId: 1, schedule: "0 0 6 ? * MON")]).interval == 604_800)
        // Weekdays at 06:00: four one-day gaps for each three-day weekend.
        #expect(expectation([FlowSchedule(id: 1, flowId: 1, schedule: "0 0 6 ? * MON-FRI")]).interval == 86400)
        #expect(expectation([FlowSchedule(id: 1, flowId: 1, schedule: "900")]).interval == 900)
        #expect(expectation([FlowSchedule(id: 1, flowId: 1, enabled: false, schedule: "900")]).interval == nil)
    }

    @Test func theNextRunIsTheFirstFiringStillAhead() {
        let hourly = expectation([FlowSchedule(id: 1, flowId: 1, schedule: "0 30 * * * ?")])
        #expect(hourly.nextRun(after: Self.now) == Self.now + 1800)
        #expect(hourly.nextRun(after: Self.now + 1800) == Self.now + 1800 + 3600, "a firing passed is skipped")
        #expect(expectation([FlowSchedule(id: 1, flowId: 1, schedule: "600")]).nextRun(after: Self.now) == nil)
    }

    @Test func theExpectedDurationIsTheSchedulesElseTheRecentP95() {
        #expect(expectation([FlowSchedule(id: 1, flowId: 1, schedule: "60", expectedSeconds: 1200)], p95: 90).duration == 1200)
        #expect(expectation([FlowSchedule(id: 1, flowId: 1, schedule: "60")], p95: 90).duration == 90)
        #expect(expectation([], p95: nil).duration == nil)
    }

    @Test func theStoreGivesTheP95OfFlowsWithEnoughRuns() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("p95.db").path
        let store = try SQLiteRunStore(path: path)
        let base: Int64 = 1_764_000_000_000
        var runs: [FlowRun] = []
        // Flow 1: run times 1..20 minutes; flow 2: only four runs.
        for index in 1...20 {
            runs.append(
                FlowRun(
                    auditId: Int64(index), flowId: 1, flowName: "a", status: .success,
                    started: base + Int64(index) * 3_600_000, ended: base + Int64(index) * 3_600_000 + Int64(index) * 60_000))
        }
        for index in 1...4 {
            runs.append(
                FlowRun(
                    auditId: Int64(100 + index), flowId: 2, flowName: "b", status: .success,
                    started: base + Int64(index) * 3_600_000, ended: base + Int64(index) * 3_600_000 + 1000))
        }
        _ = try await store.ingest(runs, observedAt: base + 30 * 3_600_000)
        let p95 = try await store.runTimePercentiles(endedSince: base, p: 0.95, minimumRuns: 5)
        #expect(p95 == [1: 19 * 60], "nearest rank: the 19th of 20")
    }
}

/// Conditions that mean nothing for a kind skip it, unless the rule names the kind: a stream
/// has no run time, freshness or objective; only a scheduled flow can miss its schedule.
@Suite struct KindFitTests {
    static let flow = FlowRecord(id: 1, name: "f")

    func rule(_ condition: SLACondition, kinds: Set<FlowKind> = []) -> SLARule {
        SLARule(name: "r", target: .flows(FlowSelector(kinds: kinds)), condition: condition)
    }

    @Test func conditionsSkipTheKindsTheyDoNotFit() {
        for condition in [
            SLACondition.maxDuration(seconds: 60), .durationPercentile(p: 0.9, max: 60, window: 86400),
            .maxSinceSuccess(seconds: 3600), .objective(target: 0.99, window: 86400)
        ] {
            #expect(!rule(condition).judges(Self.flow, kind: .streaming), "\(condition)")
            #expect(rule(condition).judges(Self.flow, kind: .scheduled) && rule(condition).judges(Self.flow, kind: .unscheduled))
            #expect(rule(condition).judges(Self.flow, kind: nil), "an unknown kind is judged until known")
        }
        let missed = rule(.missedSchedule(grace: 300))
        #expect(missed.judges(Self.flow, kind: .scheduled))
        #expect(!missed.judges(Self.flow, kind: .unscheduled) && !missed.judges(Self.flow, kind: .streaming))
        let errors = rule(.consecutiveFailures(2))
        #expect(FlowKind.allCases.allSatisfy { errors.judges(Self.flow, kind: $0) }, "failures matter for every kind")
        // Named kinds win: a rule written for streams judges them by its condition.
        #expect(rule(.maxSinceSuccess(seconds: 3600), kinds: [.streaming]).judges(Self.flow, kind: .streaming))
        #expect(!rule(.maxSinceSuccess(seconds: 3600), kinds: [.streaming]).judges(Self.flow, kind: .scheduled))
    }
}
