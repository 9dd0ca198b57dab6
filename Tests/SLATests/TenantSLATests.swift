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

/// SLA rules per watched tenant: each tenant's engine judges its own flows on its own view of
/// one database. Tenants' flow ids overlap, so states, breaches, counts and observed time are
/// kept per tenant, and every result and alert names its tenant.
@Suite struct TenantSLATests {
    let directory: URL
    let t0: Double = 1_790_000_000
    init() throws { directory = try Tools.temporaryDirectory() }

    var path: String { directory.appendingPathComponent("sla.db").path }

    actor Sink: SLAAlertSink {
        var delivered: [(tenant: Tenant?, changes: [SLAAlert])] = []
        func deliver(changes: [SLAAlert], active: [SLAAlert], tenant: Tenant?) {
            delivered.append((tenant, changes))
        }
    }

    let streak = SLARule(
        name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(1), severity: .critical)

    /// Tenant `id`'s engine on its views of the database, started at `now`.
    func open(_ id: String, rules: [SLARule], now: Double, sink: Sink? = nil) async throws
        -> (SQLiteRunStore, SLAEngine, ExporterState)
    {
        let store = try SQLiteRunStore(path: path).forTenant(id)
        _ = try await store.replaceFlows([Flow(id: 7, name: "flow of \(id)")], removeMissing: true)
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        await state.recordPoll(.executions, started: Date(timeIntervalSince1970: now), duration: 0, error: nil, apiAnswered: true)
        let engine = SLAEngine(
            rules: rules, store: try SLAStateStore(path: path).forTenant(id), runStore: store, host: state, alerts: sink,
            timeZone: nil, tenant: Tenant(id: id, name: "tenant \(id)"), logger: Logger(label: "test"))
        try await engine.start(now: now)
        return (store, engine, state)
    }

    func ingest(_ status: RunStatus, auditId: Int64, into opened: (SQLiteRunStore, SLAEngine, ExporterState), at: Double)
        async throws
    {
        let end = Int64(at * 1000)
        let run = FlowRun(
            auditId: auditId, flowId: 7, flowName: "x", status: status, created: end - 2000, started: end - 1000, ended: end)
        let summary = try await opened.0.ingest([run], observedAt: end)
        await opened.1.add(summary.completedRuns)
        await opened.2.setFlows(try await opened.0.flowMetrics())
    }

    @Test func tenantsSharingAFlowIdBreachApart() async throws {
        let sink = Sink()
        let one = try await open("1", rules: [streak], now: t0, sink: sink)
        let two = try await open("2", rules: [streak], now: t0, sink: sink)
        // The same audit id and flow id in both tenants: a failure in 1, a success in 2.
        try await ingest(.error, auditId: 50, into: one, at: t0 - 5)
        try await ingest(.success, auditId: 50, into: two, at: t0 - 5)
        let first = await one.1.evaluate(now: t0)
        let second = await two.1.evaluate(now: t0)
        #expect(first.results.map(\.phase) == [.breaching] && second.results.map(\.phase) == [.ok])
        #expect(first.results.first?.tenant?.id == "1" && second.results.first?.tenant?.id == "2")
        #expect(first.tenant?.id == "1")
        #expect(first.results.first?.targetLabel == "flow flow of 1 in tenant 1 (tenant 1)")
        let alerts = await sink.delivered.filter { !$0.changes.isEmpty }
        #expect(alerts.count == 1 && alerts.first?.tenant?.id == "1" && alerts.first?.changes.first?.tenant?.id == "1")

        let store = try SLAStateStore(path: path)
        #expect(try await store.forTenant("1").states().map(\.target) == ["flow:7"])
        #expect(try await store.forTenant("2").states().isEmpty)
        #expect(try await store.states().isEmpty, "the single tenant's view sees neither")
        #expect(try await store.forTenant("1").episodes(from: 0, to: .max).count == 1)
        #expect(try await store.forTenant("2").episodes(from: 0, to: .max).isEmpty)
        let every = try await store.episodes(from: 0, to: .max, everyTenant: true)
        #expect(every.map(\.tenant) == ["1"])
        #expect(try await store.forTenant("2").episodeCounts().isEmpty)
        #expect(try await store.forTenant("1").observedSpans(from: 0).count == 1)
        #expect(try await store.forTenant("3").observedSpans(from: 0).isEmpty)

        // Tenant 2 restarts with no rule (none covers it now): tenant 1's breach is not its to
        // close, and tenant 1 restarted still breaches since the same instant.
        _ = try await open("2", rules: [], now: t0 + 60)
        #expect(try await store.forTenant("1").episodes(from: 0, to: .max).first?.endMs == nil)
        let reopened = try await open("1", rules: [streak], now: t0 + 60)
        let still = await reopened.1.evaluate(now: t0 + 60)
        #expect(still.results.first?.phase == .breaching && still.results.first?.breachStart == t0)
        #expect(still.results.first?.breachesTotal == 1)
    }

    @Test func replayedDefinitionsArePerTenant() async throws {
        let store = try SLAStateStore(path: path)
        var replay = SLAStateStore.Replay()
        replay.fingerprints = ["streak": "a"]
        _ = try await store.forTenant("1").apply(replay)
        replay.fingerprints = ["streak": "b"]
        _ = try await store.apply(replay)
        #expect(try await store.forTenant("1").replayFingerprints() == ["streak": "a"])
        #expect(try await store.replayFingerprints() == ["streak": "b"])
        #expect(try await store.forTenant("2").replayFingerprints().isEmpty)
    }

    /// What one evaluation per tenant shows as one: /health, /api/v1/sla and /sla.
    @Test func tenantsSnapshotsMergeIntoOne() async throws {
        let one = try await open("1", rules: [streak], now: t0)
        let two = try await open("2", rules: [streak], now: t0 + 30)
        try await ingest(.error, auditId: 1, into: one, at: t0 - 5)
        try await ingest(.error, auditId: 1, into: two, at: t0 - 5)
        let merged = SLASnapshot.merged([
            await one.1.evaluate(now: t0), await two.1.evaluate(now: t0 + 30), SLASnapshot()
        ])
        #expect(merged.rules.map(\.name) == ["streak"])
        #expect(merged.breaching.map { $0.tenant?.id }.sorted { ($0 ?? "") < ($1 ?? "") } == ["1", "2"])
        #expect(merged.evaluatedAt == t0, "the oldest of the tenants' evaluations")
        let document = SLADocument(merged)
        #expect(document.results.compactMap(\.tenantId).sorted() == ["1", "2"])
        let json = String(decoding: JSONDocument.encode(document), as: UTF8.self)
        #expect(json.contains("\"tenant_id\" : \"1\"") && json.contains("\"tenant_name\" : \"tenant 2\""))
        // `sla status` tells the tenants' same flow apart.
        let table = try SLAStatusTable.render(JSONDocument.encode(document))
        #expect(table.contains("flow flow of 1 (tenant 1)") && table.contains("flow flow of 2 (tenant 2)"), "\(table)")
    }

    /// A database from before SLA rules were kept per tenant keeps its states and breaches,
    /// as the single tenant's.
    @Test func aDatabaseFromBeforeTenantSLAKeepsItsBreaches() async throws {
        do {
            let connection = try SQLiteConnection(path: path, create: true)
            for migration in Schema.migrations.prefix(10) { try connection.execute(migration) }
            try connection.execute(
                """
                PRAGMA user_version = 10;
                INSERT INTO sla_episodes (id, rule, target, target_name, severity, start_ms, end_ms)
                    VALUES (5, 'streak', 'flow:7', 'orders', 'critical', 1000, NULL);
                INSERT INTO sla_state (rule, target, phase, since_ms, episode_id) VALUES ('streak', 'flow:7', 2, 1000, 5);
                INSERT INTO sla_episodes_pruned (rule, target, count) VALUES ('streak', 'flow:7', 3);
                INSERT INTO sla_observed (start_ms, end_ms) VALUES (500, 9000);
                """)
            connection.close()
        }
        let store = try SLAStateStore(path: path)
        #expect(try await store.states().map(\.episodeId) == [5])
        #expect(try await store.openEpisodes().map(\.id) == [5])
        #expect(try await store.episodeCounts()["streak"]?["flow:7"] == 4)
        #expect(try await store.observedSpans(from: 0).count == 1)
        #expect(try await store.forTenant("1").states().isEmpty)
        #expect(try await store.forTenant("1").episodeCounts().isEmpty)
    }
}
