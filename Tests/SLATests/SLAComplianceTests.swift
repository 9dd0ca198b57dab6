import EtlworksAPI
import ExporterCore
import Foundation
import Logging
import SLAStore
import Store
import TestSupport
import Testing
import Vocabulary

@testable import SLA

/// One compliance: the share of observed time not breaching. The function on crafted spans,
/// then the engine counting observed time from fresh polls across a stopped exporter.
@Suite struct SLAComplianceTests {
    typealias Span = SLACompliance.Span

    @Test func observedTimeIsMergedAndClippedAndBreachesCountOnlyWhereObserved() {
        let observed = [Span(startMs: 300, endMs: 400), Span(startMs: 0, endMs: 100), Span(startMs: 50, endMs: 150)]
        let window = SLACompliance.window(observed: observed, fromMs: 20, toMs: 350)
        #expect(window.observed == [Span(startMs: 20, endMs: 150), Span(startMs: 300, endMs: 350)])
        #expect(window.observedMs == 180)
        // 100–150 and 300–320 observed; 150–300 is a gap.
        #expect(SLACompliance.ratio(breaches: [(100, 320)], in: window) == 1 - 70.0 / 180)
        // An open breach lasts to the end of the window.
        #expect(SLACompliance.ratio(breaches: [(100, 320), (340, nil)], in: window) == 1 - 80.0 / 180)
        // A breach inside the gap, or outside the window, costs nothing.
        #expect(SLACompliance.ratio(breaches: [(160, 290), (360, 390)], in: window) == 1)
        #expect(SLACompliance.ratio(breaches: [(0, 1000)], in: window) == 0)
        // Overlapping breaches (a database may hold them) count their time once, in any order.
        #expect(SLACompliance.ratio(breaches: [(300, 340), (100, 320), (310, nil)], in: window) == 1 - 100.0 / 180)
    }

    @Test func nothingObservedIsNoCompliance() {
        let window = SLACompliance.window(observed: [Span(startMs: 0, endMs: 10)], fromMs: 20, toMs: 350)
        #expect(window.observedMs == 0)
        #expect(SLACompliance.ratio(breaches: [(0, 400)], in: window) == nil)
        #expect(SLACompliance.ratio(breaches: [], in: window) == nil)
    }

    @Test func theEngineLeavesOutTimeWithoutFreshPollsAndKeepsObservedTimeAcrossRestarts() async throws {
        let directory = try Tools.temporaryDirectory()
        let path = directory.appendingPathComponent("sla.db").path
        let t0: Double = 1_790_000_000
        let rule = SLARule(name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(1))
        func open() async throws -> (SQLiteRunStore, SLAEngine, ExporterState) {
            let store = try SQLiteRunStore(path: path)
            _ = try await store.replaceFlows([Flow(id: 7, name: "orders")], removeMissing: true)
            let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
            await state.setFlows(try await store.flowMetrics())
            let engine = SLAEngine(
                rules: [rule], store: try SLAStateStore(path: path), runStore: store, host: state, alerts: nil,
                timeZone: nil, logger: Logger(label: "test"))
            return (store, engine, state)
        }
        func poll(_ state: ExporterState, at time: Double) async {
            await state.recordPoll(
                .executions, started: Date(timeIntervalSince1970: time), duration: 0, error: nil, apiAnswered: true)
        }
        func ingest(
            _ status: RunStatus, id: Int64, at time: Double, store: SQLiteRunStore, engine: SLAEngine, state: ExporterState
        )
            async throws
        {
            let end = Int64(time * 1000)
            let summary = try await store.ingest(
                [FlowRun(auditId: id, flowId: 7, status: status, created: end - 2000, started: end - 1000, ended: end)],
                observedAt: end)
            await engine.add(summary.completedRuns)
            await state.setFlows(try await store.flowMetrics())
        }
        do {
            let (store, engine, state) = try await open()
            try await engine.start(now: t0)
            await poll(state, at: t0)
            #expect(await engine.evaluate(now: t0).results.first?.compliance30d == nil, "no time observed yet")
            await poll(state, at: t0 + 60)
            #expect(await engine.evaluate(now: t0 + 60).results.first?.compliance30d == 1)
            try await ingest(.error, id: 1, at: t0 + 100, store: store, engine: engine, state: state)
            await poll(state, at: t0 + 120)
            #expect(await engine.evaluate(now: t0 + 120).results.first?.phase == .breaching)
            try await ingest(.success, id: 2, at: t0 + 230, store: store, engine: engine, state: state)
            await poll(state, at: t0 + 240)
            let resolved = await engine.evaluate(now: t0 + 240)
            #expect(resolved.results.first?.phase == .ok)
            #expect(resolved.results.first?.compliance30d == 0.5, "120 s of breach in 240 s observed")
        }
        // Stopped for an hour, then started again: the hour is not observed time.
        do {
            let (_, engine, state) = try await open()
            try await engine.start(now: t0 + 3840)
            #expect(await engine.evaluate(now: t0 + 3840).results.first?.compliance30d == 0.5, "no fresh poll yet")
            await poll(state, at: t0 + 3850)
            _ = await engine.evaluate(now: t0 + 3850)
            let after = await engine.evaluate(now: t0 + 3910)
            #expect(after.results.first?.compliance30d == 1 - 120.0 / 300)
            // The last poll is stale after 300 s: evaluating on without polls adds nothing.
            let stale = await engine.evaluate(now: t0 + 4300)
            #expect(stale.results.first?.compliance30d == 1 - 120.0 / 300)
        }
        let spans = try await SLAStateStore(path: path).observedSpans(from: 0)
        #expect(spans.map(\.startMs) == [Int64(t0 * 1000), Int64((t0 + 3850) * 1000)])
        #expect(spans.map(\.endMs) == [Int64((t0 + 240) * 1000), Int64((t0 + 3910) * 1000)])
    }

    /// A replay can write hundreds of thousands of episodes: compliance counts every one of
    /// them, not the first 100,000 an API page holds (the newest were left out).
    @Test func complianceCountsEveryStoredEpisodeHoweverMany() async throws {
        let directory = try Tools.temporaryDirectory()
        let path = directory.appendingPathComponent("sla.db").path
        let t0: Double = 1_790_000_000
        let store = try SQLiteRunStore(path: path)
        _ = try await store.replaceFlows([Flow(id: 7, name: "orders")], removeMissing: true)
        let rule = SLARule(name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(1))
        // 120,000 breaches of one second, one every ten, over the last 1,200,000 seconds.
        let fromMs = Int64(t0 * 1000) - 1_200_000_000
        var replay = SLAStateStore.Replay()
        replay.targets = [
            SLAStateStore.Replay.Target(
                rule: "streak", target: "flow:7", targetName: "orders", severity: "warning",
                episodes: (0..<120_000).map {
                    ReplayedEpisode(
                        startMs: fromMs + Int64($0) * 10_000, endMs: fromMs + Int64($0) * 10_000 + 1000, peak: 1, threshold: 1)
                }, state: nil)
        ]
        replay.observed = (fromMs, Int64(t0 * 1000))
        _ = try await SLAStateStore(path: path).apply(replay)

        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        await state.recordPoll(.executions, started: Date(timeIntervalSince1970: t0), duration: 0, error: nil, apiAnswered: true)
        let engine = SLAEngine(
            rules: [rule], store: try SLAStateStore(path: path), runStore: store, host: state, alerts: nil, timeZone: nil,
            logger: Logger(label: "test"))
        try await engine.start(now: t0)
        let compliance = try #require(await engine.evaluate(now: t0).results.first?.compliance30d)
        #expect(abs(compliance - 0.9) < 1e-12, "\(compliance)")
    }
}
