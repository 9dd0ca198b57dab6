import ExporterConfiguration
import Foundation
import Logging
import SLAStore
import SQLiteDatabase
import TestSupport
import Testing
import Vocabulary

@testable import EtlworksAPI
@testable import ExporterBase
@testable import ExporterCore
@testable import SLA
@testable import Store

/// Maintenance windows (#26, item 5): during a window no breach starts for the flows it
/// covers (one under way goes on), its time counts neither for nor against their compliance,
/// the SLA documents name the active windows, and a replay of stored runs honours them too.
@Suite struct SLAMaintenanceTests {
    let directory: URL
    let t0: Double = 1_790_000_000
    init() throws { directory = try Tools.temporaryDirectory() }
    var path: String { directory.appendingPathComponent("maintenance.db").path }

    let streak = SLARule(name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(1))

    func run(_ id: Int64, flow: Int64, _ status: RunStatus, endedAt: Double) -> FlowRun {
        let end = Int64(endedAt * 1000)
        return FlowRun(
            auditId: id, flowId: flow, status: status, created: end - 20_000, started: end - 10_000, ended: end, records: 1)
    }

    func open(_ rules: [SLARule], maintenance: [MaintenanceWindow], now: Double) async throws
        -> (SQLiteRunStore, SLAEngine, ExporterState)
    {
        let store = try SQLiteRunStore(path: path)
        _ = try await store.replaceFlows(
            [Flow(id: 7, name: "orders", tags: ["orders"]), Flow(id: 8, name: "other")], removeMissing: true)
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        await polled(state, at: now)
        let engine = SLAEngine(
            rules: rules, store: try SLAStateStore(path: path), runStore: store, host: state, alerts: nil,
            timeZone: TimeZone(identifier: "UTC"), maintenance: maintenance, logger: Logger(label: "test"))
        try await engine.start(now: now)
        return (store, engine, state)
    }

    func polled(_ state: ExporterState, at time: Double) async {
        await state.recordPoll(
            .executions, started: Date(timeIntervalSince1970: time), duration: 0, error: nil, apiAnswered: true)
    }

    func ingest(_ runs: [FlowRun], _ store: SQLiteRunStore, _ engine: SLAEngine, _ state: ExporterState, at: Double)
        async throws
    {
        await polled(state, at: at)
        let summary = try await store.ingest(runs, observedAt: Int64(at * 1000))
        await engine.add(summary.completedRuns)
        await state.setFlows(try await store.flowMetrics())
    }

    func phase(_ snapshot: SLASnapshot, _ flow: Int64) -> SLAResult.Phase? {
        snapshot.results.first { $0.target.id == flow }?.phase
    }

    @Test func noBreachStartsInAWindowOneUnderWayGoesOnAndTheWindowsTimeIsNotCounted() async throws {
        // Covers flow 7 (tag orders) only, from t0+300 to t0+600.
        let window = MaintenanceWindow(
            name: "db upgrade", flows: FlowSelector(tags: ["orders"]), timing: .once(start: t0 + 300, end: t0 + 600))
        let (store, engine, state) = try await open([streak], maintenance: [window], now: t0)
        try await ingest(
            [run(1, flow: 7, .error, endedAt: t0 - 5), run(2, flow: 8, .error, endedAt: t0 - 5)], store, engine, state, at: t0)
        let before = await engine.evaluate(now: t0)
        #expect(phase(before, 7) == .breaching && phase(before, 8) == .breaching)
        #expect(before.maintenance.isEmpty)

        // The window opens: the breach under way goes on, and the documents name the window.
        await polled(state, at: t0 + 300)
        let opened = await engine.evaluate(now: t0 + 300)
        #expect(phase(opened, 7) == .breaching, "a breach under way is not ended by maintenance")
        #expect(opened.maintenance == [SLAMaintenanceEntry(name: "db upgrade", start: t0 + 300, end: t0 + 600)])
        let document = try JSONDecoder().decode(SLADocument.self, from: JSONEncoder().encode(SLADocument(opened)))
        #expect(document.maintenance.map(\.name) == ["db upgrade"])
        #expect(document.maintenance.first?.end == UTCTime.format(t0 + 600))
        let page = SLAPage.render(opened, episodes: [], now: t0 + 300)
        #expect(page.contains("Maintenance <strong>db upgrade</strong>"))

        // Both recover, then both fail again inside the window: only the uncovered flow breaches.
        try await ingest(
            [run(3, flow: 7, .success, endedAt: t0 + 390), run(4, flow: 8, .success, endedAt: t0 + 390)], store, engine, state,
            at: t0 + 400)
        #expect(await engine.evaluate(now: t0 + 400).breaching.isEmpty)
        try await ingest(
            [run(5, flow: 7, .error, endedAt: t0 + 440), run(6, flow: 8, .error, endedAt: t0 + 440)], store, engine, state,
            at: t0 + 450)
        let during = await engine.evaluate(now: t0 + 450)
        #expect(phase(during, 8) == .breaching)
        #expect(phase(during, 7) == .ok, "no breach starts for a covered flow in its window")

        // The window ends with the flow still failing: its breach starts then.
        await polled(state, at: t0 + 600)
        let after = await engine.evaluate(now: t0 + 600)
        #expect(phase(after, 7) == .breaching)
        #expect(after.results.first { $0.target.id == 7 }?.breachStart == t0 + 600)
        #expect(after.maintenance.isEmpty)

        // Compliance over the 700 s observed: flow 8 breached 0–400 and 450–700; flow 7's
        // window (300–600) is out of its observed time, leaving 0–300 and 600–700, both breached.
        await polled(state, at: t0 + 700)
        let later = await engine.evaluate(now: t0 + 700)
        let other = try #require(later.results.first { $0.target.id == 8 }?.compliance30d)
        #expect(abs(other - (1 - 650.0 / 700)) < 1e-9, "\(other)")
        let covered = try #require(later.results.first { $0.target.id == 7 }?.compliance30d)
        #expect(abs(covered - 0) < 1e-9, "without the window's time taken out it would be \(1 - 500.0 / 700): \(covered)")
    }

    /// A week of hourly runs of flow 7 failing for six hours each day and for the last three.
    func seedWeek() async throws {
        let store = try SQLiteRunStore(path: path)
        _ = try await store.replaceFlows([Flow(id: 7, name: "orders", tags: ["orders"])], removeMissing: true)
        var runs: [FlowRun] = []
        for hour in 1...(7 * 24) {
            let start = Int64((t0 - Double(hour) * 3600) * 1000)
            let failing = hour <= 3 || (hour % 24 >= 10 && hour % 24 < 16)
            runs.append(
                FlowRun(
                    auditId: Int64(hour), flowId: 7, status: failing ? .error : .success, created: start - 1000,
                    started: start, ended: start + 60_000, records: 1))
        }
        _ = try await store.ingest(runs, observedAt: Int64(t0 * 1000))
        await store.close()
    }

    @Test func aReplayStartsNoBreachInAWindowAndStartsOneAsItEndsWhenTheConditionStillHolds() async throws {
        try await seedWeek()
        // t0 is 14:13:20 UTC. The daily failures (16 to 10 hours before t0, 22:13 to 04:13)
        // fall in a nightly window 22:00–07:00; the last three hours' failures begin in a
        // one-off window that ends an hour before t0.
        let nightly = MaintenanceWindow(
            name: "nightly",
            timing: .recurring(cron: try FlowCadence(schedule: "0 0 22 * * ?"), duration: 9 * 3600, timeZone: nil))
        let once = MaintenanceWindow(name: "once", timing: .once(start: t0 - 3 * 3600 - 60, end: t0 - 3600))
        let store = try SQLiteRunStore(path: path)
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        await polled(state, at: t0)
        let engine = SLAEngine(
            rules: [SLARule(name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(2))],
            store: try SLAStateStore(path: path), runStore: store, host: state, alerts: nil,
            timeZone: TimeZone(identifier: "UTC"), replayStep: 30, maintenance: [nightly, once], logger: Logger(label: "test"))
        try await engine.start(now: t0)
        await engine.replay(now: t0, wait: .zero)
        let episodes = try await SLAStateStore(path: path).episodes(from: 0, to: Int64.max)
        // Without the windows: seven daily episodes and the open one (SLAReplayEngineTests).
        #expect(episodes.count == 1, "\(episodes.map { UTCTime.format(Double($0.startMs) / 1000) })")
        let open = try #require(episodes.first)
        #expect(open.endMs == nil && open.replayed)
        #expect(abs(Double(open.startMs) / 1000 - (t0 - 3600)) <= 30, "breached as the window ended")
        // A changed window is a changed definition: the rule is replayed again.
        #expect(
            SLAEngine.fingerprint(streak, maintenance: [once])
                != SLAEngine.fingerprint(streak, maintenance: [nightly]))
        #expect(SLAEngine.fingerprint(streak) == SLAEngine.fingerprint(streak, maintenance: []))
    }

    @Test func aWindowIsActiveOnceOrOnEachFiringInItsTimeZone() throws {
        let once = MaintenanceWindow(name: "once", timing: .once(start: 100, end: 200))
        let utc = TimeZone(identifier: "UTC")!
        #expect(once.active(at: 99, in: utc) == nil)
        #expect(once.active(at: 100, in: utc)! == (100, 200))
        #expect(once.active(at: 200, in: utc) == nil, "the end is not in the window")
        #expect(once.stretches(from: 150, to: 1000, in: utc).map { [$0.start, $0.end] } == [[150, 200]])

        // Saturdays 22:00 Berlin for 4 hours; 2026-12-05 is a Saturday (CET, UTC+1).
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let weekly = MaintenanceWindow(
            name: "weekly",
            timing: .recurring(cron: try FlowCadence(schedule: "0 0 22 ? * SAT"), duration: 4 * 3600, timeZone: berlin))
        let saturday2100UTC = try #require(ISO8601DateFormatter().date(from: "2026-12-05T21:00:00Z")).timeIntervalSince1970
        #expect(weekly.active(at: saturday2100UTC - 1, in: utc) == nil)
        #expect(weekly.active(at: saturday2100UTC, in: utc)! == (saturday2100UTC, saturday2100UTC + 4 * 3600))
        #expect(weekly.active(at: saturday2100UTC + 4 * 3600 - 1, in: utc) != nil, "past midnight, still in it")
        #expect(weekly.active(at: saturday2100UTC + 4 * 3600, in: utc) == nil)
        let month = weekly.stretches(from: saturday2100UTC - 86400, to: saturday2100UTC + 21 * 86400 + 3600, in: utc)
        #expect(month.map(\.start) == [0, 7, 14, 21].map { saturday2100UTC + Double($0) * 86400 })
        #expect(month.last.map { $0.end - $0.start } == 3600, "clipped to the range")
    }

    @Test func complianceTakesTheExcludedSpansOutOfTheObservedTime() {
        let observed = [SLACompliance.Span(startMs: 0, endMs: 1000), SLACompliance.Span(startMs: 2000, endMs: 3000)]
        let excluded = [SLACompliance.Span(startMs: 500, endMs: 2500), SLACompliance.Span(startMs: 2800, endMs: 2900)]
        let window = SLACompliance.window(observed: observed, fromMs: 100, toMs: 3000, excluding: excluded)
        #expect(
            window.observed == [
                SLACompliance.Span(startMs: 100, endMs: 500), SLACompliance.Span(startMs: 2500, endMs: 2800),
                SLACompliance.Span(startMs: 2900, endMs: 3000)
            ])
        #expect(window.observedMs == 800)
        // A breach over the whole range: only the observed 800 ms count, all of them breached.
        #expect(SLACompliance.ratio(breaches: [(startMs: 0, endMs: nil)], in: window) == 0)
    }
}
