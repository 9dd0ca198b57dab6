import Foundation
import Logging
import SLAStore
import Testing
import Vocabulary

@testable import EtlworksAPI
@testable import ExporterBase
@testable import ExporterCore
@testable import SLA
@testable import Store

/// Issue #15, section 1: conditions judge the evidence the exporter holds the moment it holds
/// it, not from when it started watching.
extension SLAEngineTests {
    /// A week of failures backfilled before SLA evaluation ever ran: `max_since_success`
    /// breaches at the first evaluation, counted from the oldest stored run; a flow that never
    /// ran still counts from the first evaluation.
    @Test func aFlowFailingForAWeekBreachesAtTheFirstEvaluation() async throws {
        let rule = SLARule(
            name: "fresh", target: .flows(FlowSelector()), condition: .maxSinceSuccess(seconds: 6 * 3600), severity: .critical)
        let week = 7 * 86400.0
        let store = try SQLiteRunStore(path: path)
        _ = try await store.replaceFlows(
            [Flow(id: 7, name: Self.flowName, tags: ["orders"]), Flow(id: 8, name: "other", tags: [])], removeMissing: true)
        _ = try await store.ingest(
            (0..<28).map { run(Int64(100 + $0), .error, endedAt: t0 - week + Double($0) * 21600) }, observedAt: Int64(t0 * 1000))
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        let engine = SLAEngine(
            rules: [rule], store: try SLAStateStore(path: path), runStore: store, host: state, alerts: nil, timeZone: nil,
            logger: Logger(label: "test"))
        try await engine.start(now: t0)
        let first = await engine.evaluate(now: t0)
        let failing = try #require(first.results.first { $0.target.id == 7 })
        #expect(failing.phase == .breaching)
        // The oldest run started 10 s before it ended, a week ago.
        #expect(abs((failing.measurement.value ?? 0) - (week + 10)) < 1e-6)
        #expect(failing.measurement.detail?.contains("no successful run") == true)
        let idle = try #require(first.results.first { $0.target.id == 8 })
        #expect(idle.phase == .ok && idle.measurement.value == 0, "a flow that never ran counts from the first evaluation")

        // A flow first seen running after the start counts from its first run too.
        await engine.add([
            CompletedRun(
                flowId: 8, endMs: Int64((t0 - 7 * 3600) * 1000), startMs: Int64((t0 - 8 * 3600) * 1000),
                durationMs: 3_600_000, status: .error)
        ])
        let later = await engine.evaluate(now: t0 + 60)
        #expect(later.results.first { $0.target.id == 8 }?.phase == .breaching)
    }

    /// `agent_offline` counts from the agent's last heartbeat when the API gives it.
    @Test func anAgentLastSeenLongAgoBreachesAtOnceAndOneSeenAMinuteAgoDoesNot() async throws {
        let rule = SLARule(name: "agents", target: .agents([try Glob("*")]), condition: .agentOffline(for: 300))
        let (_, engine, state) = try await open(rules: [rule], now: t0)
        await state.setAgents([
            Agent(id: "1", name: "gone", state: .offline, lastSeen: Int64((t0 - 7200) * 1000)),
            Agent(id: "2", name: "blip", state: .offline, lastSeen: Int64((t0 - 60) * 1000)),
            Agent(id: "3", name: "silent", state: .offline),
            Agent(id: "4", name: "fine", state: .online, lastSeen: Int64((t0 - 7200) * 1000))
        ])
        let snapshot = await engine.evaluate(now: t0)
        func result(_ name: String) -> SLAResult? { snapshot.results.first { $0.target.name == name } }
        #expect(result("gone")?.phase == .breaching && result("gone")?.measurement.value == 7200)
        #expect(result("blip")?.phase == .pending && result("blip")?.measurement.value == 60)
        #expect(result("silent")?.phase == .pending && result("silent")?.since == t0, "no heartbeat: from the first poll")
        #expect(result("fine")?.phase == .ok)
        let later = await engine.evaluate(now: t0 + 240)
        #expect(later.results.first { $0.target.name == "blip" }?.phase == .breaching, "5 min after its last heartbeat")
        #expect(later.results.first { $0.target.name == "silent" }?.phase == .pending)
    }
}
