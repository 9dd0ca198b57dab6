import EtlworksAPI
import Foundation
import SLAStore
import SlidingWindows
import Store

/// Replays one rule over one flow's stored runs, as the engine would have judged them had it
/// been watching: the same measurements and state machine, at instants on the poll grid.
/// Only the instants where the measurement can change are evaluated (a run queued, started
/// or ended, a run leaving a window, a limit crossed, a `for` running out), each taken at the
/// first grid instant at or after it, so a month of hourly runs is a few thousand
/// evaluations rather than 86,400. Pure.
public enum SLAReplay {
    /// A stored run, epoch ms; `ended` nil while it is still open.
    public typealias Run = RunTimes

    /// A breach found, epoch ms; `endMs` nil when it was still on at the end of the replay.
    public typealias Episode = ReplayedEpisode

    public struct Outcome: Sendable {
        public var episodes: [Episode] = []
        /// The state at the end of the replay (nil: ok).
        public var final: SLATargetState?
        /// Instants evaluated.
        public var evaluations = 0

        /// Whether there is anything to write: an episode, or a state still held at the end.
        public var isEmpty: Bool { episodes.isEmpty && final == nil }

        /// Keeps the episodes up with one step of the state machine.
        mutating func record(
            _ transition: SLATransition?, from state: SLATargetState?, to next: SLATargetState?, value: Double?,
            threshold: Double?
        ) {
            evaluations += 1
            switch transition {
            case .breached(let at)?:
                episodes.append(
                    Episode(startMs: EpochMillis.from(seconds: at, .towardZero), endMs: nil, peak: value, threshold: threshold))
            case .resolved(let at)?:
                episodes[episodes.count - 1].endMs = EpochMillis.from(seconds: at, .towardZero)
                episodes[episodes.count - 1].peak = state?.peak
            case nil:
                break
            }
            if let next, next.phase == .breaching { episodes[episodes.count - 1].peak = next.peak }
        }
    }

    /// Whether stored runs decide the condition: every flow condition does; agents and
    /// billing depend on what was polled, and are replayed from the history series.
    public static func replaysRuns(_ condition: SLACondition) -> Bool {
        switch condition {
        // What a stream did is not stored run by run: stream conditions start when watched.
        case .agentOffline, .billingUsage, .streamLatency, .streamStalled: return false
        default: return true
        }
    }

    /// Replays `rule` over what was measured at instants (epoch ms, ascending) from the
    /// history series: an agent online or not, the billing usage. Instants after `toMs` are
    /// left out. An agent's value is how long it has been offline, as when it is watched.
    public static func replay(_ rule: SLARule, measurements: [(atMs: Int64, measurement: SLAMeasurement)], toMs: Int64)
        -> Outcome
    {
        var outcome = Outcome()
        let offlineFor: Bool
        if case .agentOffline = rule.condition { offlineFor = true } else { offlineFor = false }
        var state: SLATargetState?
        for (atMs, taken) in measurements where atMs <= toMs {
            let now = EpochMillis.seconds(atMs)
            var measurement = taken
            if offlineFor { measurement.value = measurement.holds ? now - min(state?.since ?? now, now) : 0 }
            let (next, transition) = SLAStateMachine.step(
                state, holds: measurement.holds, value: measurement.value, now: now, holdFor: rule.breachesAfter,
                lowerIsWorse: rule.condition.lowerIsWorse, heldSince: measurement.heldSince)
            outcome.record(transition, from: state, to: next, value: measurement.value, threshold: measurement.threshold)
            state = next
        }
        outcome.final = state
        return outcome
    }

    /// A flow's stored runs, put in the orders a replay walks them once for all its rules.
    public struct Runs: Sendable {
        public let all: [Run]
        /// Completed runs, by end.
        let completed: [Run]
        /// Runs by when they first existed.
        let byBegin: [Run]
        /// The start (or queueing) of the oldest run, epoch seconds: where `max_since_success`
        /// counts from without a success.
        public var firstStart: Double?

        /// When its failed runs ended, ascending.
        let errorEnds: [Int64]

        public init(_ runs: [Run]) {
            all = runs
            completed = runs.filter { $0.ended != nil }.sorted { $0.ended! < $1.ended! }
            errorEnds = completed.compactMap { $0.status == .error ? $0.ended : nil }
            byBegin = runs.filter { $0.begin != nil }.sorted { $0.begin! < $1.begin! }
            firstStart = runs.compactMap { $0.started ?? $0.created }.min().map { EpochMillis.seconds($0) }
        }
    }

    /// Replays `rule` for `flow` over [from, to] (epoch seconds) every `step` seconds.
    public static func replay(
        _ rule: SLARule, flow: FlowRecord, runs prepared: Runs, schedules: [FlowSchedule], from: Double, to: Double,
        step: Double, scheduleTimeZone: TimeZone, evaluator: inout SLAConditionEvaluator, everyInstant: Bool = false,
        maintenance: [SLACompliance.Span] = []
    ) -> Outcome {
        let firstRunStart = prepared.firstStart
        let fromMs = EpochMillis.from(seconds: from), toMs = EpochMillis.from(seconds: to)
        let stepMs = max(1, EpochMillis.from(seconds: step))
        var outcome = Outcome()
        guard toMs >= fromMs else { return outcome }
        func tick(_ instant: Int64) -> Int64 {
            guard instant > fromMs else { return fromMs }
            let steps = (instant - fromMs + stepMs - 1) / stepMs
            return min(toMs, fromMs + steps * stepMs)
        }
        let condition = rule.condition
        // Instants on the grid, each with what its events can change (`Event`).
        var ticks = events(condition, runs: prepared, schedules: schedules).map { Event.at(tick($0.time), $0.effect) }
        ticks.append(Event.at(fromMs))
        ticks.append(Event.at(toMs))
        // A condition that held through maintenance breaches as the window ends.
        ticks += maintenance.map { Event.at(tick($0.endMs)) }
        // A flow that never succeeded nor ran counts from the replay's start.
        if case .maxSinceSuccess(let limit) = condition {
            ticks.append(Event.at(tick(fromMs + EpochMillis.from(seconds: limit, .up) + 1)))
        }
        // Tests compare the instants chosen with every instant of the grid.
        if everyInstant { ticks += stride(from: fromMs, to: toMs, by: Int(stepMs)).map { Event.at($0) } }
        ticks.sort()
        var later: [Int64] = [] // instants found while replaying, ascending

        let (completed, byBegin) = (prepared.completed, prepared.byBegin)
        var nextCompleted = 0, nextBegun = 0
        var active: [Run] = []
        var scheduledStarts: [Int64: Int64] = [:]
        var inputs = SLAInputs(
            now: from, flows: [], runs: RunWindows(horizon: 0, keepLatest: 0),
            schedules: schedules.isEmpty ? [:] : [flow.id: schedules], evaluatingSince: from)
        inputs.scheduleTimeZone = scheduleTimeZone
        if let firstRunStart { inputs.firstRuns = [flow.id: firstRunStart] }
        // Schedules are judged by the latest start each fired, and their due time is the one
        // limit not known in advance from the runs: each evaluation reports it as its threshold.
        let judgesSchedules: Bool, isObjective: Bool
        if case .missedSchedule = condition { judgesSchedules = true } else { judgesSchedules = false }
        if case .objective = condition { isObjective = true } else { isObjective = false }

        // The replay keeps values only, and changes one view of the flow as time goes on (a new
        // one per instant was a third of its time); its completed runs are held apart, as the
        // evaluator reads them without copying them out of the view.
        evaluator.describes = false
        let view = ReplayedFlow(record: flow)
        var windows = RunWindows.Flow()

        var state: SLATargetState?
        var budgetSpent = false // an objective's, at the latest evaluation
        var index = 0
        var previous = Int64.min
        while true {
            // The next instant: the earlier of the static list and those found on the way.
            let now: Int64
            var effect = Event.Effect.all
            if let found = later.first, index >= ticks.count || found <= Event.time(ticks[index]) {
                now = found
                later.removeFirst()
            } else if index < ticks.count {
                now = Event.time(ticks[index])
                effect = []
                while index < ticks.count, Event.time(ticks[index]) == now {
                    effect.formUnion(Event.effect(ticks[index]))
                    index += 1
                }
            } else {
                break
            }
            guard now > previous else { continue }
            // Nothing here can change what the previous evaluation found: while all is well,
            // nothing that could make the condition hold; while a state is held, only burn
            // rates of an objective whose budget is spent. The runs that came and went are
            // taken in at the next instant evaluated.
            if state == nil ? !effect.contains(.wakes) : !effect.contains(.moves) && budgetSpent { continue }
            let previousEvaluated = previous == .min ? nil : previous
            previous = now

            // Runs that ended by now enter the windows, oldest end first.
            var recentLongest: Double?
            while nextCompleted < completed.count, completed[nextCompleted].ended! <= now {
                let run = completed[nextCompleted]
                nextCompleted += 1
                let duration = run.started.map { EpochMillis.seconds(max(0, run.ended! - $0)) }
                windows.insert(
                    CompletedRun(
                        flowId: flow.id, endMs: run.ended!, startMs: run.started ?? run.created,
                        durationMs: run.started.map { max(0, run.ended! - $0) }, status: run.status))
                view.lastDurationSeconds = duration
                if run.status == .success { view.lastSuccessEnd = run.ended }
                // A run is judged at the first instant after it ended (the live engine judges the
                // runs completed since its previous evaluation); those that ended before the
                // replay began are context only.
                if let duration, run.ended! > (previousEvaluated ?? fromMs - stepMs) {
                    recentLongest = max(recentLongest ?? duration, duration)
                }
            }
            // Runs open now: queued or started by now, not yet ended.
            while nextBegun < byBegin.count, byBegin[nextBegun].begin! <= now {
                active.append(byBegin[nextBegun])
                nextBegun += 1
            }
            if judgesSchedules {
                var changed = false
                for run in active {
                    guard let event = run.eventId else { continue }
                    let start = run.started.flatMap { $0 <= now ? $0 : nil } ?? run.created ?? run.started
                    if let start, start <= now, start > scheduledStarts[event] ?? .min {
                        scheduledStarts[event] = start
                        changed = true
                    }
                }
                if changed { inputs.scheduledStarts = scheduledStarts }
            }
            if active.contains(where: { $0.ended.map { $0 <= now } ?? false }) {
                active.removeAll { $0.ended.map { $0 <= now } ?? false }
            }
            var oldestRunning: Int64?, oldestQueued: Int64?, newestOpen: Int64?
            for run in active {
                let startedByNow = run.started.map { $0 <= now } ?? false
                if startedByNow, let started = run.started {
                    oldestRunning = min(oldestRunning ?? started, started)
                } else if let created = run.created {
                    oldestQueued = min(oldestQueued ?? created, created)
                }
                if let open = startedByNow ? run.started : run.created {
                    newestOpen = max(newestOpen ?? open, open)
                }
            }

            inputs.now = EpochMillis.seconds(now)
            view.recentLongest = recentLongest
            view.oldestRunningStart = oldestRunning
            view.oldestQueuedCreated = oldestQueued
            view.newestOpenStart = newestOpen
            // Read field by field: copies of the whole measurement (its text and burn rates
            // retained and released) were a twelfth of a replay's time.
            let measured = evaluator.measure(condition, flow: view, runs: windows, inputs: inputs)
            var holds = measured?.holds ?? false
            let (value, threshold) = (measured?.value, measured?.threshold)
            // In maintenance no breach starts (one under way goes on), as live.
            if holds, state?.phase != .breaching, maintenance.contains(where: { $0.startMs <= now && now < $0.endMs }) {
                holds = false
            }
            if isObjective, let value, let threshold { budgetSpent = value < threshold } else { budgetSpent = false }
            // Mostly all is well and stays so: nothing to step.
            if holds || state != nil {
                let (next, transition) = SLAStateMachine.step(
                    state, holds: holds, value: value, now: inputs.now, holdFor: rule.holdFor,
                    lowerIsWorse: condition.lowerIsWorse, heldSince: measured?.heldSince)
                outcome.record(transition, from: state, to: next, value: value, threshold: threshold)
                state = next
            } else {
                outcome.evaluations += 1
            }

            // Instants this evaluation says matter: a `for` running out, a limit crossed.
            func evaluateAlso(_ instant: Int64) {
                guard instant > now else { return }
                let position = later.firstIndex { $0 >= instant } ?? later.count
                if position == later.count || later[position] != instant { later.insert(instant, at: position) }
            }
            // A run judged now (`max_duration`) is no longer "recent" at the next instant.
            if recentLongest != nil, case .maxDuration = condition { evaluateAlso(min(toMs, now + stepMs)) }
            if let state, state.phase == .pending { evaluateAlso(tick(EpochMillis.from(seconds: (state.since + rule.holdFor)))) }
            // A deadline falls due with no run to mark it.
            if !holds, let at = measured?.changesAt { evaluateAlso(tick(EpochMillis.from(seconds: at, .up))) }
            if judgesSchedules, !holds, let value, let threshold, threshold >= value {
                evaluateAlso(tick(now + EpochMillis.from(seconds: (threshold - value), .up) + 1))
            }
        }
        outcome.final = state
        return outcome
    }

    /// An instant at which the condition's measurement can change, and how: kept in one
    /// number (the time shifted left, what can change in the two low bits), so that the
    /// instants sort as numbers.
    enum Event {
        struct Effect: OptionSet {
            let rawValue: Int64
            /// It can make the condition hold when it did not.
            static let wakes = Effect(rawValue: 1)
            /// It can change the measurement otherwise than through an objective's burn rates.
            static let moves = Effect(rawValue: 2)
            static let all: Effect = [.wakes, .moves]
        }

        static func at(_ time: Int64, _ effect: Effect = .all) -> Int64 { time << 2 | effect.rawValue }
        static func time(_ event: Int64) -> Int64 { event >> 2 }
        static func effect(_ event: Int64) -> Effect { Effect(rawValue: event & 3) }
    }

    /// Instants (epoch ms) at which the condition's measurement can change, before they are
    /// put on the grid, with what each can change.
    static func events(_ condition: SLACondition, runs prepared: Runs, schedules: [FlowSchedule])
        -> [(time: Int64, effect: Event.Effect)]
    {
        let runs = prepared.all
        var windows: [Int64] = []
        var starts = false
        var limit: Double?
        switch condition {
        case .errorRate(_, let window, _), .durationPercentile(_, _, let window):
            windows = [SLAConditionEvaluator.ms(window)]
        case .objective(_, let window, _):
            windows = SLAConditionEvaluator.objectiveWindows(window)
        case .maxDuration(let seconds):
            starts = true
            limit = seconds ?? SLAConditionEvaluator.longestExpected(schedules)
        case .maxQueued(let seconds):
            starts = true
            limit = seconds
        case .maxSinceSuccess(let seconds):
            limit = seconds
        case .missedSchedule:
            starts = true
        case .consecutiveFailures, .agentOffline, .billingUsage, .streamLatency, .streamStalled, .deadline:
            break
        }
        let limitMs = limit.map { EpochMillis.from(seconds: $0, .up) + 1 }
        // Whether a run failed in [from, to]: a window with no failure in it has no error
        // rate and burns no budget, whatever leaves it.
        let errorEnds = prepared.errorEnds
        func failures(from: Int64, to: Int64) -> Bool {
            let first = RunWindows.Flow.firstIndex(errorEnds, atOrAfter: from)
            return first < errorEnds.count && errorEnds[first] <= to
        }
        var events: [(time: Int64, effect: Event.Effect)] = []
        events.reserveCapacity(runs.count * (2 + windows.count))
        // A run leaving a window. A window at a time: each block then comes nearly sorted
        // (runs are read in start order), which the sort merges rather than sorting afresh.
        for (position, window) in windows.enumerated() {
            for run in runs {
                guard let ended = run.ended else { continue }
                var effect = Event.Effect.all
                switch condition {
                case .errorRate, .objective:
                    // A failure leaving lowers the error rate; a success leaving raises it only
                    // if the window holds a failure. An objective's other windows are burn rates.
                    if run.status == .error || !failures(from: ended, to: ended + window) { effect.remove(.wakes) }
                    if case .objective = condition, position > 0 { effect.remove(.moves) }
                default:
                    break
                }
                events.append((ended + window, effect))
            }
        }
        for run in runs {
            if let ended = run.ended {
                // A run ending can only make things better, except in the cases named.
                let wakes: Bool
                switch condition {
                case .errorRate, .durationPercentile: wakes = true
                // A run of any status can bring a window up to an objective's `min_runs`.
                case .objective(_, _, let minRuns): wakes = run.status == .error || minRuns > 1
                case .consecutiveFailures: wakes = run.status == .error
                case .maxDuration:
                    wakes = limit.map { limit in run.started.map { EpochMillis.seconds(ended - $0) > limit } ?? false } ?? true
                default: wakes = false
                }
                events.append((ended, wakes ? .all : .moves))
            }
            // A run queued or started: nothing is overdue or too long yet.
            if starts {
                if let created = run.created { events.append((created, .moves)) }
                if let started = run.started { events.append((started, .moves)) }
            }
            if let limitMs {
                switch condition {
                case .maxDuration: if let started = run.started { events.append((started + limitMs, .all)) }
                case .maxQueued: if let created = run.created { events.append((created + limitMs, .all)) }
                case .maxSinceSuccess:
                    if run.status == .success, let ended = run.ended { events.append((ended + limitMs, .all)) }
                default: break
                }
            }
        }
        if case .maxSinceSuccess = condition, let firstRunStart = prepared.firstStart, let limitMs {
            events.append((EpochMillis.from(seconds: firstRunStart, .towardZero) + limitMs, .all))
        }
        return events
    }
}

extension RunTimes {
    /// When it first existed: queued, else started, else ended.
    var begin: Int64? { created ?? started ?? ended }
}
