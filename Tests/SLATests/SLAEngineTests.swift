import ExporterConfiguration
import Exposition
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

/// The engine on a real database: `for` timers and episodes survive restarts, targets that go
/// away end their breach, and what it publishes is valid exposition.
@Suite struct SLAEngineTests {
    let directory: URL
    let t0: Double = 1_790_000_000
    init() throws { directory = try Tools.temporaryDirectory() }

    var path: String { directory.appendingPathComponent("sla.db").path }

    static let flowName = "orders \"load\" \\ {1}\nå"

    func run(_ id: Int64, flow: Int64 = 7, _ status: RunStatus, endedAt: Double) -> FlowRun {
        let end = Int64(endedAt * 1000)
        return FlowRun(
            auditId: id, flowId: flow, flowName: Self.flowName, status: status, created: end - 20_000,
            started: end - 10_000, ended: end, records: 10)
    }

    /// A store, state and engine on `path`, as the runtime wires them.
    func open(rules: [SLARule], now: Double, flowNameLabel: Bool = false) async throws
        -> (SQLiteRunStore, SLAEngine, ExporterState)
    {
        let store = try SQLiteRunStore(path: path)
        _ = try await store.replaceFlows(
            [
                Flow(id: 7, name: Self.flowName, tags: ["orders"]),
                Flow(id: 8, name: "other", tags: [])
            ], removeMissing: true)
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        // The runtime polls as it starts; evaluations on fresh polls are observed time.
        await Self.polled(state, at: now)
        let engine = SLAEngine(
            rules: rules, store: try SLAStateStore(path: path), runStore: store, host: state, alerts: nil,
            timeZone: nil, flowNameLabel: flowNameLabel, logger: Logger(label: "test"))
        try await engine.start(now: now)
        return (store, engine, state)
    }

    func ingest(_ runs: [FlowRun], store: SQLiteRunStore, engine: SLAEngine, state: ExporterState, at: Double) async throws {
        await Self.polled(state, at: at)
        let summary = try await store.ingest(runs, observedAt: Int64(at * 1000))
        await engine.add(summary.completedRuns)
        await state.setFlows(try await store.flowMetrics())
    }

    static func polled(_ state: ExporterState, at time: Double) async {
        await state.recordPoll(
            .executions, started: Date(timeIntervalSince1970: time), duration: 0, error: nil, apiAnswered: true)
    }

    let errorRule = SLARule(
        name: "orders-error-rate", target: .flows(FlowSelector(tags: ["orders"])),
        condition: .errorRate(max: 0.3, window: 3600, minRuns: 2), severity: .critical, holdFor: 300)

    @Test func aForTimerAndItsEpisodeSurviveRestarts() async throws {
        do {
            let (store, engine, state) = try await open(rules: [errorRule], now: t0)
            try await ingest(
                [run(1, .error, endedAt: t0 - 100), run(2, .error, endedAt: t0 - 50), run(3, .success, endedAt: t0 - 10)],
                store: store, engine: engine, state: state, at: t0)
            let first = await engine.evaluate(now: t0)
            #expect(first.results.map(\.target.id) == [7], "only the tagged flow is a target")
            #expect(first.results.first?.phase == .pending)
            #expect(abs((first.results.first?.measurement.value ?? 0) - 2.0 / 3) < 1e-12)
        }
        // Restarted 4 minutes later: still pending, counted from t0.
        do {
            let (_, engine, _) = try await open(rules: [errorRule], now: t0 + 240)
            let pending = await engine.evaluate(now: t0 + 240)
            #expect(pending.results.first?.phase == .pending)
            #expect(pending.results.first?.since == t0)
            let breaching = await engine.evaluate(now: t0 + 300)
            #expect(breaching.results.first?.phase == .breaching)
            #expect(breaching.results.first?.breachStart == t0 + 300)
            #expect(breaching.results.first?.breachesTotal == 1)
        }
        // Restarted again: the breach is still on, with its start; then healthy runs end it.
        do {
            let (store, engine, state) = try await open(rules: [errorRule], now: t0 + 400)
            let still = await engine.evaluate(now: t0 + 400)
            #expect(still.results.first?.phase == .breaching)
            #expect(still.results.first?.breachStart == t0 + 300)
            #expect(still.results.first?.breachesTotal == 1)
            try await ingest(
                (10..<20).map { run($0, .success, endedAt: t0 + 400 + Double($0)) }, store: store, engine: engine,
                state: state, at: t0 + 430)
            let resolved = await engine.evaluate(now: t0 + 430)
            #expect(resolved.results.first?.phase == .ok)
            #expect(resolved.results.first?.breachesTotal == 1)
            // 130 s of breach in the 430 s observed since evaluation began.
            let compliance: Double = resolved.results.first?.compliance30d ?? 0
            let expected: Double = 1 - 130.0 / 430
            #expect(abs(compliance - expected) < 1e-9)
        }
        let episodes = try await SLAStateStore(path: path).episodes(from: 0, to: Int64.max)
        #expect(episodes.count == 1)
        #expect(episodes.first?.startMs == Int64((t0 + 300) * 1000) && episodes.first?.endMs == Int64((t0 + 430) * 1000))
        #expect(episodes.first?.targetName == Self.flowName && episodes.first?.severity == "critical")
        #expect(try await SLAStateStore(path: path).states().isEmpty)
    }

    @Test func aTargetThatGoesAwayEndsItsBreachAndARemovedRuleClosesItsEpisode() async throws {
        let streak = SLARule(name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(1))
        do {
            let (store, engine, state) = try await open(rules: [streak], now: t0)
            try await ingest(
                [run(1, flow: 8, .error, endedAt: t0 - 5), run(2, .error, endedAt: t0 - 5)], store: store, engine: engine,
                state: state, at: t0)
            #expect(await engine.evaluate(now: t0).breaching.map(\.target.id).sorted() == [7, 8])
            _ = try await store.replaceFlows([Flow(id: 7, name: Self.flowName)], removeMissing: true)
            await state.setFlows(try await store.flowMetrics())
            let after = await engine.evaluate(now: t0 + 10)
            #expect(after.results.map(\.target.id) == [7])
            #expect(after.breaching.map(\.target.id) == [7])
        }
        // The rule is removed from the config: its open episode is closed at the next start.
        _ = try await open(rules: [], now: t0 + 20)
        let episodes = try await SLAStateStore(path: path).episodes(from: 0, to: Int64.max)
        #expect(episodes.count == 2)
        #expect(episodes.allSatisfy { $0.endMs != nil })
        #expect(episodes.first { $0.target == "flow:8" }?.endMs == Int64((t0 + 10) * 1000))
        #expect(episodes.first { $0.target == "flow:7" }?.endMs == Int64((t0 + 20) * 1000))
    }

    @Test(.requires("sqlite3")) func aFailedWriteOfSLAStatesFailsHealthUntilAWriteSucceeds() async throws {
        let streak = SLARule(name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(1))
        let (store, engine, state) = try await open(rules: [streak], now: t0)
        // Another process breaks the table the next breach is written to.
        _ = try await Tools.run(try Tools.which("sqlite3"), [path, "ALTER TABLE sla_episodes RENAME TO broken"])
        try await ingest([run(1, .error, endedAt: t0 - 5)], store: store, engine: engine, state: state, at: t0)
        await engine.evaluate(now: t0)
        let failing = await state.snapshot()
        #expect(HealthReport(snapshot: failing, apiURL: "").httpStatus == 503)
        #expect(HealthReport(snapshot: failing, apiURL: "").reasons.contains { $0.contains("SLA states") })
        _ = try await Tools.run(try Tools.which("sqlite3"), [path, "ALTER TABLE broken RENAME TO sla_episodes"])
        try await ingest(
            [run(2, .success, endedAt: t0 + 5), run(3, .error, endedAt: t0 + 8)], store: store, engine: engine,
            state: state, at: t0 + 10)
        await engine.evaluate(now: t0 + 10)
        #expect(await state.snapshot().storage == .ok)
        // The breach that could not be written is written now, as it would have been.
        let episodes = try await SLAStateStore(path: path).episodes(from: 0, to: Int64.max)
        #expect(episodes.count == 1 && episodes.first?.startMs == Int64((t0 + 10) * 1000) && episodes.first?.endMs == nil)
    }

    @Test func rulesThatCannotStartAreReportedInHealth() async throws {
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        let engine = SLAEngine(
            rules: [errorRule], store: try SLAStateStore(path: path), runStore: try SQLiteRunStore(path: path),
            host: state, alerts: nil, timeZone: nil, logger: Logger(label: "test"))
        await engine.reportStartFailure(StoreError(code: .corrupt, path: path, message: "disk I/O error"))
        let report = HealthReport(snapshot: await state.snapshot(), apiURL: "")
        #expect(report.status == .fail, "a critical rule that cannot be evaluated fails /health")
        #expect(report.reasons.contains { $0.contains("SLA rules are not evaluated") && $0.contains("disk I/O error") })
    }

    @Test func maxDurationJudgesRunsThatEndAfterEvaluationBeganNotABackfill() async throws {
        func long(_ id: Int64, endedAt: Double, seconds: Double) -> FlowRun {
            let end = Int64(endedAt * 1000)
            return FlowRun(
                auditId: id, flowId: 7, status: .success, created: end - Int64(seconds * 1000) - 1000,
                started: end - Int64(seconds * 1000), ended: end, records: 1)
        }
        let rule = SLARule(name: "hour", target: .flows(FlowSelector(ids: [7])), condition: .maxDuration(seconds: 3600))
        let (store, engine, state) = try await open(rules: [rule], now: t0)
        // The first backfill brings a long run from before evaluation began, then a short one.
        try await ingest(
            [long(1, endedAt: t0 - 7200, seconds: 5000), long(2, endedAt: t0 - 100, seconds: 60)], store: store,
            engine: engine, state: state, at: t0)
        #expect(await engine.evaluate(now: t0).results.first?.phase == .ok)
        // A long run and a short one complete between two evaluations: the long one breaches.
        try await ingest(
            [long(3, endedAt: t0 + 50, seconds: 4000), long(4, endedAt: t0 + 60, seconds: 30)], store: store,
            engine: engine, state: state, at: t0 + 60)
        let breached = await engine.evaluate(now: t0 + 70)
        #expect(breached.results.first?.phase == .breaching && breached.results.first?.measurement.value == 4000)
        // Judged once: the next evaluation sees only the latest run.
        #expect(await engine.evaluate(now: t0 + 80).results.first?.phase == .ok)
        // After a restart, stored runs are not judged again.
        let (_, restarted, _) = try await open(rules: [rule], now: t0 + 90)
        #expect(await restarted.evaluate(now: t0 + 90).results.first?.phase == .ok)
    }

    @Test func completedRunsArePagedByAuditIdWithoutGapsOrRepeats() async throws {
        let store = try SQLiteRunStore(path: path)
        _ = try await store.ingest(
            (1...7).map { run($0, .success, endedAt: t0 - Double($0)) } + [run(8, .error, endedAt: t0 - 5000)],
            observedAt: Int64(t0 * 1000))
        var seen: [Int64] = []
        var page = try await store.completedRuns(endedSince: Int64((t0 - 100) * 1000), limit: 3)
        seen += page.runs.map(\.endMs)
        while let next = page.next {
            page = try await store.completedRuns(endedSince: Int64((t0 - 100) * 1000), after: next, limit: 3)
            seen += page.runs.map(\.endMs)
        }
        #expect(
            seen.sorted() == (1...7).map { Int64((t0 - Double($0)) * 1000) }.sorted(), "the run outside the window is left out")
    }

    @Test(.requires("promtool", "python3")) func theSLAFamiliesAreValidExpositionWithHostileNames() async throws {
        let rules = [
            errorRule,
            SLARule(name: "objective", target: .flows(FlowSelector()), condition: .objective(target: 0.99, window: 86400)),
            SLARule(name: "agents", target: .agents([try Glob("*")]), condition: .agentOffline(for: 0)),
            SLARule(name: "allowance", target: .tenant, condition: .billingUsage(maxRatio: 0.5, period: .month), severity: .info)
        ]
        // The name on SLA series too (`metrics.flow_name_label: true`), to see it escaped.
        let (store, engine, state) = try await open(rules: rules, now: t0, flowNameLabel: true)
        try await ingest(
            [run(1, .error, endedAt: t0 - 100), run(2, .success, endedAt: t0 - 50)], store: store, engine: engine,
            state: state, at: t0)
        await state.setAgents([Agent(id: 3, name: "agent \"eu\" \\ {west}", online: false)])
        await state.setSubscription(
            Subscription(
                periodStart: Int64((t0 - 86400) * 1000), periodEnd: Int64((t0 + 86400) * 1000),
                monthlyAllowance: 100, monthUsed: 60))
        await engine.evaluate(now: t0)
        // Compliance needs time since evaluation began.
        let snapshot = await engine.evaluate(now: t0 + 60)
        #expect(snapshot.breaching.map(\.rule).sorted() == ["agents", "allowance", "objective"])
        let exposition = Data(MetricsRenderer.render(await state.snapshot(), format: .prometheusText))
        #expect(try await Tools.promtoolCheck(exposition) == "")
        _ = try await Tools.pythonParse(
            Data(MetricsRenderer.render(await state.snapshot(), format: .openMetrics)), openMetrics: true)
        let samples = try await Exposition.parse(exposition)
        let breach = samples.filter { $0.name == "etlworks_sla_breach" }
        #expect(breach.first { $0.labels["sla"] == "agents" }?.labels["agent_name"] == "agent \"eu\" \\ {west}")
        #expect(breach.first { $0.labels["sla"] == "agents" }?.value == 1)
        #expect(breach.first { $0.labels["sla"] == "allowance" }?.labels.keys.sorted() == ["severity", "sla"])
        #expect(breach.first { $0.labels["sla"] == "orders-error-rate" }?.labels["flow_name"] == Self.flowName)
        func sample(_ name: String, _ labels: [String: String]) -> ParsedSample? {
            samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        }
        #expect(sample("etlworks_sla_burn_rate", ["window": "1h", "flow_id": "7"]) != nil)
        #expect(sample("etlworks_sla_compliance_ratio", ["window": "month"]) != nil)
        #expect(sample("etlworks_sla_breaches_total", ["sla": "allowance"])?.value == 1)
        #expect(sample("etlworks_sla_value_ratio", ["sla": "allowance", "condition": "billing_usage"])?.value == 0.6)
    }
}
