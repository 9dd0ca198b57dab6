import EtlworksAPI
import ExporterBase
import ExporterCore
import Foundation
import Logging
import SLAStore
import SQLiteDatabase
import Store
import TestSupport
import Testing
import Vocabulary

@testable import SLA

/// Replay in the engine (#15, section 2): a fresh start on a week of stored runs writes the
/// breaches it finds, marked replayed; notifies only the one still on, once; compliance counts
/// the replayed week from the first evaluation; a restart replays nothing twice; a changed
/// rule is replayed again in place of its old episodes.
@Suite struct SLAReplayEngineTests {
    actor Sink: SLAAlertSink {
        var changes: [SLAAlert] = []
        func deliver(changes: [SLAAlert], active: [SLAAlert], tenant: Tenant?) { self.changes += changes }
    }

    let now: Double = 1_790_000_000
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }
    var path: String { directory.appendingPathComponent("replay.db").path }

    /// A week of hourly runs of two flows: flow 7 fails for six hours each day and for the
    /// last three hours; flow 8 always succeeds.
    func seed() async throws {
        let store = try SQLiteRunStore(path: path)
        _ = try await store.replaceFlows([Flow(id: 7, name: "orders"), Flow(id: 8, name: "calm")], removeMissing: true)
        var runs: [FlowRun] = []
        var id: Int64 = 1
        for hour in 1...(7 * 24) {
            let start = Int64((now - Double(hour) * 3600) * 1000)
            let failing = hour <= 3 || (hour % 24 >= 10 && hour % 24 < 16)
            for flow: Int64 in [7, 8] {
                runs.append(
                    FlowRun(
                        auditId: id, flowId: flow, status: flow == 7 && failing ? .error : .success, created: start - 1000,
                        started: start, ended: start + 60_000, records: 1))
                id += 1
            }
        }
        _ = try await store.ingest(runs, observedAt: Int64(now * 1000))
        await store.close()
    }

    func engine(_ rules: [SLARule], sink: Sink, at time: Double) async throws -> (SLAEngine, ExporterState) {
        let store = try SQLiteRunStore(path: path)
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        await state.recordPoll(
            .executions, started: Date(timeIntervalSince1970: time), duration: 0, error: nil, apiAnswered: true)
        let engine = SLAEngine(
            rules: rules, store: try SLAStateStore(path: path), runStore: store, host: state, alerts: sink, timeZone: nil,
            replayStep: 30, logger: Logger(label: "test"))
        try await engine.start(now: time)
        await engine.replay(now: time, wait: .zero)
        return (engine, state)
    }

    let streak = SLARule(name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(2), severity: .critical)

    @Test func aFreshStartReplaysTheStoredWeekOnceAndNotifiesOnlyWhatIsStillOn() async throws {
        try await seed()
        let sink = Sink()
        do {
            let (engine, state) = try await engine([streak], sink: sink, at: now)
            #expect(await state.snapshot().sla.replay == .done)
            let episodes = try await SLAStateStore(path: path).episodes(from: 0, to: Int64.max)
            // One breach a day for seven days, from the second failed run to the first success,
            // and the one still on.
            #expect(episodes.count == 8 && episodes.allSatisfy { $0.replayed && $0.target == "flow:7" }, "\(episodes.count)")
            for episode in episodes.dropLast() {
                let duration = Double(episode.endMs! - episode.startMs) / 1000
                #expect(abs(duration - 5 * 3600) <= 60, "\(duration)")
            }
            let open = try #require(episodes.last)
            #expect(open.endMs == nil)
            #expect(abs(Double(open.startMs) / 1000 - (now - 2 * 3600 + 60)) <= 30, "breached at the second failed run's end")
            // Marked in the history API and on the page.
            let history = try JSONDecoder().decode(
                SLAHistoryDocument.self,
                from: JSONEncoder().encode(SLAHistoryDocument(episodes, from: now - 8 * 86400, to: now)))
            #expect(history.episodes.count == 8 && history.episodes.allSatisfy(\.replayed))
            let page = SLAPage.render(await state.snapshot().sla, episodes: episodes, now: now)
            #expect(page.components(separatedBy: "(before this exporter watched)").count == 9)
            let notified = await sink.changes
            #expect(notified.count == 1 && notified.first?.target.id == 7 && notified.first?.endsAt == nil)
            #expect(abs((notified.first?.startsAt ?? 0) - Double(open.startMs) / 1000) < 0.001)

            // The first evaluation continues the open breach, and compliance counts the week.
            let first = await engine.evaluate(now: now)
            let orders = try #require(first.results.first { $0.target.id == 7 })
            #expect(orders.phase == .breaching && orders.breachStart == Double(open.startMs) / 1000 && orders.breachesTotal == 8)
            let breached = episodes.reduce(0.0) { $0 + Double(($1.endMs ?? Int64(now * 1000)) - $1.startMs) / 1000 }
            let observed = now - (now - 7 * 24 * 3600 - 1)
            #expect(abs((orders.compliance30d ?? 0) - (1 - breached / observed)) < 1e-3, "\(orders.compliance30d ?? -1)")
            #expect(first.results.first { $0.target.id == 8 }?.compliance30d == 1)
            #expect(await sink.changes.count == 1, "no second notification")
        }
        // Restarted: nothing is replayed twice, nothing notified again.
        do {
            _ = try await engine([streak], sink: sink, at: now + 60)
            #expect(try await SLAStateStore(path: path).episodes(from: 0, to: Int64.max).count == 8)
            #expect(await sink.changes.count == 1)
        }
        // A changed rule is replayed again, to now, in place of its old episodes.
        do {
            let longer = SLARule(
                name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(4), severity: .critical)
            _ = try await engine([longer], sink: sink, at: now + 120)
            let episodes = try await SLAStateStore(path: path).episodes(from: 0, to: Int64.max)
            // The breach the live evaluation took over stays; the new definition finds the daily
            // runs of six failures, not the last three.
            let replayed = episodes.filter(\.replayed)
            #expect(replayed.count == 8 && replayed.filter { $0.endMs == nil }.count == 1, "\(replayed.count)")
        }
    }

    /// Agents and billing are replayed from the history series (#15): an agent offline for
    /// two hours yesterday has an ended episode and no notification; one offline for the last
    /// 45 minutes and usage over 90 % for the last 10 hours are breaches still on, notified
    /// once; an agent the rule does not name has none.
    @Test func agentsAndBillingAreReplayedFromTheHistorySeries() async throws {
        let series = try SeriesStore(path: path)
        let agents: [(id: String, name: String, offline: (Double, Double))] = [
            ("501", "eu-1", (now - 30 * 3600, now - 28 * 3600)), ("x-9", "us-1", (now - 45 * 60, now + 1)),
            ("502", "lab", (now - 40 * 3600, now))
        ]
        for poll in stride(from: now - 2 * 86400, through: now, by: 300) {
            try await series.append(
                agents.map { agent in
                    let offline = poll >= agent.offline.0 && poll < agent.offline.1
                    return Sample(
                        SeriesKey(
                            "etlworks_agent_up", [SeriesLabel("agent_id", agent.id), SeriesLabel("agent_name", agent.name)]),
                        .gauge, offline ? 0 : 1)
                }, group: "agents", at: Int64(poll))
            let used: Double = poll >= now - 10 * 3600 ? 950_000 : 100_000
            try await series.append(
                [
                    Sample(SeriesKey("etlworks_billing_records_used", [SeriesLabel("period", "month")]), .counter, used),
                    Sample(SeriesKey("etlworks_billing_records_allowance", [SeriesLabel("period", "month")]), .gauge, 1_000_000)
                ], group: "billing", at: Int64(poll))
        }
        await series.close()
        try await seed()

        let rules = [
            SLARule(name: "agents", target: .agents([try Glob("eu-*"), try Glob("us-*")]), condition: .agentOffline(for: 300)),
            SLARule(name: "allowance", target: .tenant, condition: .billingUsage(maxRatio: 0.9, period: .month))
        ]
        let sink = Sink()
        let store = try SQLiteRunStore(path: path)
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        await state.recordPoll(.executions, started: Date(timeIntervalSince1970: now), duration: 0, error: nil, apiAnswered: true)
        let engine = SLAEngine(
            rules: rules, store: try SLAStateStore(path: path), runStore: store, host: state, alerts: sink, timeZone: nil,
            replayStep: 30, history: SeriesSLAHistory(reader: try SeriesReader(path: path)), logger: Logger(label: "test"))
        try await engine.start(now: now)
        await engine.replay(now: now, wait: .zero)

        let episodes = try await SLAStateStore(path: path).episodes(from: 0, to: Int64.max)
        #expect(episodes.allSatisfy { $0.replayed })
        let usId = Agent(id: "x-9", name: "us-1", state: .offline).numericId
        #expect(Set(episodes.map(\.target)) == ["agent:501", "agent:\(usId)", "tenant"], "\(episodes.map(\.target))")
        func near(_ ms: Int64?, _ seconds: Double) -> Bool { ms.map { abs(Double($0) / 1000 - seconds) <= 600 } ?? false }
        let eu = try #require(episodes.first { $0.target == "agent:501" })
        #expect(near(eu.startMs, now - 30 * 3600 + 300) && near(eu.endMs, now - 28 * 3600), "\(eu)")
        #expect((eu.peak ?? 0) > 6000, "time offline: \(eu.peak ?? 0)")
        let us = try #require(episodes.first { $0.target == "agent:\(usId)" })
        #expect(near(us.startMs, now - 45 * 60 + 300) && us.endMs == nil, "\(us)")
        let tenant = try #require(episodes.first { $0.target == "tenant" })
        #expect(near(tenant.startMs, now - 10 * 3600) && tenant.endMs == nil, "\(tenant)")
        #expect(await sink.changes.map(\.target.key).sorted() == ["agent:\(usId)", "tenant"])

        // The live evaluation takes the open breaches over without notifying them again.
        await state.setAgents([
            Agent(id: "501", name: "eu-1", state: .online), Agent(id: "x-9", name: "us-1", state: .offline),
            Agent(id: "502", name: "lab", state: .offline)
        ])
        await state.setSubscription(Subscription(monthlyAllowance: 1_000_000, monthUsed: 950_000))
        let first = await engine.evaluate(now: now + 30)
        #expect(first.results.filter { $0.phase == .breaching }.map(\.target.key).sorted() == ["agent:\(usId)", "tenant"])
        #expect(await sink.changes.count == 2)
    }

    /// A rule is replayed again when its definition changes, the agents it names included
    /// (they were left out of the definition when only flow rules were replayed).
    @Test func namingOtherAgentsIsAChangedDefinition() throws {
        func rule(_ pattern: String) throws -> SLARule {
            SLARule(name: "agents", target: .agents([try Glob(pattern)]), condition: .agentOffline(for: 300))
        }
        #expect(try SLAEngine.fingerprint(rule("eu-*")) != SLAEngine.fingerprint(rule("us-*")))
        #expect(try SLAEngine.fingerprint(rule("eu-*")) == SLAEngine.fingerprint(rule("eu-*")))
    }

    /// A large replay drops the index on end time while it writes its slices: the last slice
    /// builds it again, and a replay interrupted in between finds it again when the database
    /// is next opened. The history by time reads the same either way.
    @Test func aBulkReplayLeavesTheIndexOnEndTimeInPlace() async throws {
        _ = try SQLiteRunStore(path: path)
        func indexed() throws -> Bool {
            let connection = try SQLiteConnection(path: path, create: false)
            defer { connection.close() }
            return try connection.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sla_episodes_by_end'") == 1
        }
        let nowMs = Int64(now * 1000)
        var first = SLAStateStore.Replay()
        first.dropsEndIndex = true
        first.targets = [
            SLAStateStore.Replay.Target(
                rule: "streak", target: "flow:7", targetName: "orders", severity: "warning",
                episodes: (1...3).map {
                    ReplayedEpisode(startMs: nowMs - $0 * 60_000, endMs: nowMs - $0 * 60_000 + 1000, peak: 1, threshold: 1)
                },
                state: nil)
        ]
        let store = try SLAStateStore(path: path)
        _ = try await store.apply(first)
        #expect(try !indexed())
        // Interrupted here: the next open builds it.
        _ = try SLAStateStore(path: path)
        #expect(try indexed())

        _ = try await store.apply(first)
        #expect(try !indexed())
        var last = SLAStateStore.Replay()
        last.fingerprints = ["streak": "definition"]
        _ = try await store.apply(last)
        #expect(try indexed())
        let found = try await store.episodes(from: nowMs - 150_000, to: nowMs)
        #expect(found.count == 4) // two of each slice's three ended in the last 150 s
    }
}
