import EtlworksAPI
import ExporterCore
import Foundation
import Logging
import SLAStore
import Store
import TestSupport
import Testing

@testable import SLA

/// Replay in the engine (#15, section 2): a fresh start on a week of stored runs writes the
/// breaches it finds, marked replayed; notifies only the one still on, once; compliance counts
/// the replayed week from the first evaluation; a restart replays nothing twice; a changed
/// rule is replayed again in place of its old episodes.
@Suite struct SLAReplayEngineTests {
    actor Sink: SLAAlertSink {
        var changes: [SLAAlert] = []
        func deliver(changes: [SLAAlert], active: [SLAAlert]) { self.changes += changes }
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
}
