import EtlworksAPI
import Foundation
import SLAStore
import Store
import TestSupport
import Testing

@testable import SLA

/// Replay (#15, section 2): the breach episodes found over stored runs equal those an
/// independent oracle finds evaluating every instant of the poll grid, within one step; the
/// instants the replay picks find exactly what every instant finds.
@Suite struct SLAReplayTests {
    static let step: Double = 60
    static let from: Double = 1_790_000_000
    static let to: Double = from + 2 * 86400

    /// Runs of a few flows over two days and a bit before: random cadence, durations, queue
    /// times and statuses, some still open at the end, each fired by one of two schedules.
    static func runs(seed: UInt64) -> [Int64: [SLAReplay.Run]] {
        var random = SeededRandom(seed: seed)
        var flows: [Int64: [SLAReplay.Run]] = [:]
        for flow in Int64(1)...6 {
            var time = Int64((from - 6 * 3600) * 1000)
            var runs: [SLAReplay.Run] = []
            let cadence = Int64(600 + random.next() % 3000) * 1000
            while time < Int64((to + 600) * 1000) {
                let created = time
                let queued = Int64(random.next() % (random.next() % 5 == 0 ? 900 : 30)) * 1000
                let duration = Int64(5 + random.next() % (random.next() % 7 == 0 ? 7200 : 600)) * 1000
                let statuses: [RunStatus] = [.success, .success, .success, .error, .error, .warning, .canceled]
                var run = SLAReplay.Run(
                    created: created, started: created + queued, ended: created + queued + duration,
                    status: runs.isEmpty ? .success : statuses[Int(random.next() % 7)],
                    eventId: random.next() % 10 == 0 ? nil : 100 + flow)
                if run.ended! > Int64(to * 1000) {
                    run.ended = nil
                    if run.started! > Int64(to * 1000) { run.started = nil }
                    run.status = run.started == nil ? .queued : .running
                }
                if run.created! <= Int64(to * 1000) { runs.append(run) }
                // A quiet spell now and then, so that schedules are missed.
                time += cadence + (random.next() % 15 == 0 ? Int64(random.next() % 4) * cadence : 0)
            }
            flows[flow] = runs
        }
        return flows
    }

    static var conditions: [(SLACondition, (SLAOracle, [SLAOracle.Flow]) -> SLAOracle.Verdict)] {
        [
            (.errorRate(max: 0.3, window: 7200, minRuns: 2), { $0.errorRate($1, max: 0.3, window: 7200, minRuns: 2) }),
            (.consecutiveFailures(2), { $0.consecutiveFailures($1, 2) }),
            (.maxDuration(seconds: 1800), { $0.maxDuration($1, limit: 1800) }),
            (.maxSinceSuccess(seconds: 5400), { $0.maxSinceSuccess($1, limit: 5400) }),
            (
                .durationPercentile(p: 0.9, max: 1200, window: 10800),
                { $0.durationPercentile($1, p: 0.9, max: 1200, window: 10800) }
            ),
            (.maxQueued(seconds: 600), { $0.maxQueued($1, limit: 600) }),
            (.missedSchedule(grace: 300), { $0.missedSchedule($1, grace: 300) }),
            (.objective(target: 0.8, window: 21600), { $0.objective($1, target: 0.8, window: 21600) }),
            // Mostly within budget over a day (about 2 runs in 7 fail), so that the burn rates decide.
            (.objective(target: 0.7, window: 86400), { $0.objective($1, target: 0.7, window: 86400) }),
            // Over a week, each pair judged once its long window holds 4 runs.
            (
                .objective(target: 0.75, window: 7 * 86400, minRuns: 4),
                { $0.objective($1, target: 0.75, window: 7 * 86400, minRuns: 4) }
            ),
            // Due at 06:00 and 18:30 UTC, a success since 05:40 and 18:10, on weekdays only.
            (
                .deadline(Deadline(at: 21600, after: 20400, timeZone: TimeZone(identifier: "UTC")!, days: Set(2...6))),
                { $0.deadline($1, at: 21600, after: 20400, weekdays: Set(1...5)) }
            ),
            (
                .deadline(Deadline(at: 66600, after: 65400, timeZone: TimeZone(identifier: "UTC")!)),
                { $0.deadline($1, at: 66600, after: 65400, weekdays: Set(0...6)) }
            )
        ]
    }

    /// The oracle's view of the runs at `now` (ms): what had been queued by then, open runs
    /// as `queued` or `running`.
    static func oracleFlow(_ id: Int64, _ runs: [SLAReplay.Run], at now: Int64) -> SLAOracle.Flow {
        var known: [SLAOracle.Run] = []
        for run in runs {
            guard let created = run.created, created <= now else { continue }
            if let ended = run.ended, ended <= now {
                known.append(
                    .init(status: run.status.rawValue, created: created, started: run.started, ended: ended, eventId: run.eventId)
                )
            } else if let started = run.started, started <= now {
                known.append(.init(status: "running", created: created, started: started, ended: nil, eventId: run.eventId))
            } else {
                known.append(.init(status: "queued", created: created, started: nil, ended: nil, eventId: run.eventId))
            }
        }
        return SLAOracle.Flow(id: id, name: "flow \(id)", tags: [], runs: known)
    }

    @Test func episodesMatchTheOracleEvaluatedAtEveryInstant() throws {
        let flows = Self.runs(seed: 15)
        let schedules = Dictionary(
            uniqueKeysWithValues: flows.keys.map { ($0, FlowSchedule(id: 100 + $0, flowId: $0, schedule: "3600")) })
        var checked = 0
        for (condition, verdict) in Self.conditions {
            let rule = SLARule(name: condition.key, target: .flows(FlowSelector()), condition: condition)
            for (id, runs) in flows.sorted(by: { $0.key < $1.key }) {
                var evaluator = SLAConditionEvaluator()
                let replayed = SLAReplay.replay(
                    rule, flow: FlowRecord(id: id, name: "flow \(id)"), runs: SLAReplay.Runs(runs), schedules: [schedules[id]!],
                    from: Self.from, to: Self.to, step: Self.step, scheduleTimeZone: TimeZone(identifier: "UTC")!,
                    evaluator: &evaluator)
                // The oracle at every instant of the grid; a breach is a run of instants that hold.
                var expected: [(start: Int64, end: Int64?)] = []
                var time = Int64(Self.from * 1000)
                while time <= Int64(Self.to * 1000) {
                    let oracle = SLAOracle(
                        now: Double(time) / 1000, flows: [Self.oracleFlow(id, runs, at: time)],
                        schedules: [id: (id: 100 + id, text: "3600")], agents: [:], subscription: [:])
                    let holds = verdict(oracle, oracle.flows).holds.contains("flow:\(id)")
                    if holds, expected.last.map({ $0.end != nil }) ?? true { expected.append((time, nil)) }
                    if !holds, let last = expected.last, last.end == nil { expected[expected.count - 1].end = time }
                    time += Int64(Self.step * 1000)
                }
                let found = replayed.episodes.map { (start: $0.startMs, end: $0.endMs) }
                let what =
                    "\(condition.key), flow \(id): replay \(found.map { "\($0.start)-\($0.end ?? -1)" }), oracle \(expected.map { "\($0.start)-\($0.end ?? -1)" })"
                try #require(found.count == expected.count, "\(what)")
                for (got, want) in zip(found, expected) {
                    #expect(abs(got.start - want.start) <= Int64(Self.step * 1000), "\(what)")
                    #expect((got.end == nil) == (want.end == nil), "\(what)")
                    if let end = got.end, let wanted = want.end {
                        #expect(abs(end - wanted) <= Int64(Self.step * 1000), "\(what)")
                    }
                }
                checked += found.count
                #expect(
                    replayed.evaluations < Int((Self.to - Self.from) / Self.step) / 2,
                    "\(condition.key): instants are picked, not all taken")
            }
        }
        #expect(checked > 40, "the runs breach every condition several times: \(checked)")
    }

    @Test func theInstantsPickedFindWhatEveryInstantFindsWithAFor() {
        let flows = Self.runs(seed: 99)
        for (condition, _) in Self.conditions {
            let rule = SLARule(name: condition.key, target: .flows(FlowSelector()), condition: condition, holdFor: 900)
            for (id, runs) in flows {
                let schedule = FlowSchedule(id: 100 + id, flowId: id, schedule: "3600")
                func replay(everyInstant: Bool) -> SLAReplay.Outcome {
                    var evaluator = SLAConditionEvaluator()
                    return SLAReplay.replay(
                        rule, flow: FlowRecord(id: id, name: "f"), runs: Self.runs(runs, firstStart: nil), schedules: [schedule],
                        from: Self.from, to: Self.to, step: Self.step, scheduleTimeZone: TimeZone(identifier: "UTC")!,
                        evaluator: &evaluator, everyInstant: everyInstant)
                }
                let picked = replay(everyInstant: false), every = replay(everyInstant: true)
                #expect(
                    picked.episodes.map(\.startMs) == every.episodes.map(\.startMs),
                    "\(condition.key), flow \(id): \(picked.episodes.map { "\($0.startMs)-\($0.endMs ?? -1)" }) vs \(every.episodes.map { "\($0.startMs)-\($0.endMs ?? -1)" })"
                )
                #expect(
                    picked.episodes.map(\.endMs) == every.episodes.map(\.endMs),
                    "\(condition.key), flow \(id): \(picked.episodes.map { "\($0.startMs)-\($0.endMs ?? -1)" }) vs \(every.episodes.map { "\($0.startMs)-\($0.endMs ?? -1)" })"
                )
                // Values that change only with the runs peak alike; times since something grow
                // between instants, so their peaks depend on the instants taken.
                switch condition {
                case .errorRate, .durationPercentile, .consecutiveFailures, .objective:
                    #expect(picked.episodes.map(\.peak) == every.episodes.map(\.peak), "\(condition.key), flow \(id): peaks")
                default:
                    break
                }
                #expect(
                    picked.final?.phase == every.final?.phase,
                    "\(condition.key), flow \(id): \(picked.episodes.map { "\($0.startMs)-\($0.endMs ?? -1)" }) vs \(every.episodes.map { "\($0.startMs)-\($0.endMs ?? -1)" })"
                )
            }
        }
    }
}

extension SLAReplayTests {
    /// A flow with no stored run counts from the replay's start: `max_since_success` breaches
    /// once its limit has passed, not at the end of the replay.
    @Test func aFlowThatNeverRanBreachesItsLimitAfterTheReplaysStart() {
        let rule = SLARule(name: "fresh", target: .flows(FlowSelector()), condition: .maxSinceSuccess(seconds: 3600))
        var evaluator = SLAConditionEvaluator()
        let outcome = SLAReplay.replay(
            rule, flow: FlowRecord(id: 1, name: "idle"), runs: SLAReplay.Runs([]), schedules: [], from: Self.from,
            to: Self.from + 3 * 3600, step: Self.step, scheduleTimeZone: TimeZone(identifier: "UTC")!, evaluator: &evaluator)
        #expect(outcome.episodes.count == 1)
        let start = Double(outcome.episodes.first?.startMs ?? 0) / 1000
        #expect(start > Self.from + 3600 && start <= Self.from + 3600 + Self.step, "\(start - Self.from)")
    }

    /// Runs as a replay takes them, with the oldest start it counts from set apart.
    static func runs(_ runs: [RunTimes], firstStart: Double?) -> SLAReplay.Runs {
        var prepared = SLAReplay.Runs(runs)
        prepared.firstStart = firstStart
        return prepared
    }
}
