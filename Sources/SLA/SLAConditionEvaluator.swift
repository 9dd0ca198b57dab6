import EtlworksAPI
import ExporterBase
import Foundation
import SlidingWindows

/// Measures one condition for one target. Pure apart from two caches (parsed schedules and
/// their next firing), which only save work: the same inputs give the same measurement.
public struct SLAConditionEvaluator: Sendable {
    private var cadences: [String: Result<FlowCadence, CronError>] = [:]
    /// Per schedule id.
    private var nextFirings: [Int64: (schedule: String, after: Double, next: Double?)] = [:]
    private var scratch: [Float] = []
    private var percentiles: [PercentileKey: (version: Int, range: Range<Int>, value: Float?)] = [:]
    /// The last flow measured, for a replay that measures one flow at thousands of instants in
    /// a row: the sorted run times of its percentile window, and where its count windows'
    /// bounds fell. Exact either way: searches only start at those bounds, and the sorted
    /// window changes by exactly the runs that came and went (`SlidingWindowTests`).
    private var sliding: (flowId: Int64, layout: Int, range: Range<Int>, sorted: SortedFloats?)?
    private var bounds: (flowId: Int64, windows: [Range<Int>]) = (.min, [])
    private var counted: [(runs: Int, errors: Int)] = []
    /// Windows counted, epoch ms (kept so that each count needs no conversion).
    private var objectiveWindows: [Int64] = []
    private var errorWindow: [Int64] = []
    /// The latest deadline of the last `deadline` measured and until when it stays the latest:
    /// calendar arithmetic once per deadline, not once per flow and instant.
    private var dueCache: (deadline: Deadline, zone: TimeZone, from: Double, until: Double, due: Deadline.Due?)?

    /// Whether measurements carry their detail and burn rates; a replay keeps only values.
    public var describes = true

    private struct PercentileKey: Hashable {
        var flowId: Int64
        var p: Double
        var window: Double
    }

    public init() {}

    /// nil when the target cannot be measured (no schedule for `max_duration: schedule`, no
    /// allowance in the subscription): it then neither breaches nor exports a value.
    public mutating func measure(_ condition: SLACondition, flow: SLAFlow, inputs: SLAInputs) -> SLAMeasurement? {
        measure(condition, flow: flow, runs: flow.runs ?? RunWindows.Flow.empty, inputs: inputs)
    }

    /// `measure(_:flow:inputs:)` with the flow's completed runs passed apart: a replay keeps
    /// them in a variable of its own, and reading them out of the flow view is a copy (four
    /// retains and releases, a seventh of a replay's time when it measures millions of times).
    mutating func measure(
        _ condition: SLACondition, flow: some SLAFlowFacts, runs: borrowing RunWindows.Flow, inputs: SLAInputs
    ) -> SLAMeasurement? {
        let now = inputs.now
        let id = flow.id
        switch condition {
        case .maxDuration(let seconds):
            // Several schedules: the most generous expected time.
            guard let limit = seconds ?? Self.longestExpected(inputs.schedules[id]), limit > 0 else {
                return nil
            }
            let running = flow.oldestRunningStart.map { max(0, now - EpochMillis.seconds($0)) }
            let completed = flow.lastDurationSeconds
            if let running, running > limit {
                return SLAMeasurement(
                    holds: true, value: running, threshold: limit,
                    detail: describes ? "a run has been running for \(DurationText.measured(running))" : nil)
            }
            // Every run completed since the previous evaluation is judged, not only the latest.
            let recent = flow.recentLongest
            let longest = Self.larger(completed, recent)
            let value = Self.larger(running, longest)
            let holds = (longest ?? 0) > limit
            return SLAMeasurement(
                holds: holds, value: value, threshold: limit,
                detail: holds && describes ? "a run took \(DurationText.measured(longest ?? 0))" : nil)

        case .durationPercentile(let p, let max, let window):
            guard let quantile = percentile(p, of: flow.id, runs: runs, window: window, now: now) else {
                return SLAMeasurement(holds: false, value: nil, threshold: max)
            }
            let value = Double(quantile)
            return SLAMeasurement(
                holds: value > max, value: value, threshold: max,
                detail: value > max && describes
                    ? "p\(Self.percent(p)) run time over \(DurationText.format(window)) is \(DurationText.measured(value))" : nil)

        case .errorRate(let max, let window, let minRuns):
            if errorWindow.first != Self.ms(window) { errorWindow = [Self.ms(window)] }
            count(flow.id, runs: runs, windows: errorWindow, now: now)
            let counts = counted[0]
            guard counts.runs > 0 else { return SLAMeasurement(holds: false, value: nil, threshold: max) }
            let ratio = Double(counts.errors) / Double(counts.runs)
            let holds = counts.runs >= minRuns && ratio > max
            return SLAMeasurement(
                holds: holds, value: ratio, threshold: max,
                detail: holds && describes
                    ? "\(counts.errors) of \(counts.runs) runs failed in \(DurationText.format(window))" : nil)

        case .maxSinceSuccess(let limit):
            // Without a stored success, the evidence runs from the last success the flow's own
            // history shows (or its look-back bound), else from the flow's oldest stored run
            // (whichever is older); a flow that never ran counts from the first evaluation.
            let stored = inputs.firstRuns[id].map { min($0, now) }
            let reference =
                flow.lastSuccessEnd.map { EpochMillis.seconds($0) }
                ?? SLAConditionEvaluator.smaller(inputs.lastSuccessLookedUp[id], stored) ?? inputs.evaluatingSince
            let value = max(0, now - reference)
            let holds = value > limit
            return SLAMeasurement(
                holds: holds, value: value, threshold: limit,
                detail: !holds || !describes
                    ? nil
                    : flow.lastSuccessEnd == nil
                        ? "no successful run in \(DurationText.measured(value)) of stored runs"
                        : "last success \(DurationText.measured(value)) ago")

        case .maxQueued(let limit):
            let value = flow.oldestQueuedCreated.map { max(0, now - EpochMillis.seconds($0)) } ?? 0
            return SLAMeasurement(
                holds: value > limit, value: value, threshold: limit,
                detail: value > limit && describes ? "a run has been queued for \(DurationText.measured(value))" : nil)

        case .consecutiveFailures(let count):
            let streak = runs.trailingErrors()
            return SLAMeasurement(
                holds: streak >= count, value: Double(streak), threshold: Double(count),
                detail: streak >= count && describes ? "\(streak) failed runs in a row" : nil)

        case .missedSchedule(let grace, let strict):
            guard let scheduled = inputs.schedules[id], !scheduled.isEmpty else { return nil }
            // Runs name the schedule that fired them (`eventId`) where the instance says so: each
            // schedule is then judged by its own runs. A flow whose runs name none of its
            // schedules is judged by all its runs.
            let tied = scheduled.contains { inputs.scheduledStarts[$0.id] != nil }
            let flowStart = Self.larger(runs.latestStartMs, flow.newestOpenStart)
            // The most overdue schedule; its measurement is built once, at the end.
            var worst: (position: Int, last: Double, next: Double, value: Double, allowed: Double)?
            for (position, schedule) in scheduled.enumerated() {
                guard let text = schedule.schedule, let cadence = cadence(text) else { continue }
                // A schedule that keeps no audit of empty runs leaves no trace when there was
                // nothing to do: a missing run proves nothing unless the rule says so.
                if schedule.keepEmptyAudit == false && !strict { continue }
                let last =
                    (tied ? inputs.scheduledStarts[schedule.id] : flowStart).map { EpochMillis.seconds($0) }
                    ?? inputs.evaluatingSince
                guard
                    let next = nextFiring(
                        scheduleId: schedule.id, schedule: text, cadence: cadence, after: last,
                        timeZone: inputs.scheduleTimeZone)
                else { continue }
                let allowed = next + grace - last
                let value = max(0, now - last)
                guard value - allowed > worst.map({ $0.value - $0.allowed }) ?? -.infinity else { continue }
                worst = (position, last, next, value, allowed)
            }
            guard let worst else { return nil }
            let holds = worst.value > worst.allowed
            let schedule = scheduled[worst.position]
            let which = scheduled.count > 1 ? "schedule \(schedule.name ?? String(schedule.id)): " : ""
            return SLAMeasurement(
                holds: holds, value: worst.value, threshold: worst.allowed,
                detail: holds && describes
                    ? "\(which)no run started since \(UTCTime.format(worst.last)); one was due by \(UTCTime.format(worst.next))"
                    : nil)

        case .objective(let target, let window, let minRuns):
            return objective(target: target, window: window, minRuns: minRuns, flowId: flow.id, runs: runs, now: now)

        case .deadline(let deadline):
            let (due, next) = latestDue(deadline, now: now, zone: inputs.timeZone)
            // Met by a success that ended since the window opened, a late one included.
            guard let due, (flow.lastSuccessEnd.map { EpochMillis.seconds($0) } ?? -.infinity) < due.windowStart else {
                var met = SLAMeasurement(holds: false, value: 0, threshold: 0)
                met.changesAt = next
                return met
            }
            var late = SLAMeasurement(
                holds: true, value: max(0, now - due.due), threshold: 0,
                detail: describes
                    ? "no successful run since \(UTCTime.format(due.windowStart)); one was due by \(UTCTime.format(due.due))"
                    : nil)
            late.heldSince = due.due
            return late

        case .streamLatency(let limit):
            // Not measured without a stream; no latency while it is down (stream_stalled's case).
            guard let stream = inputs.streams[id], stream.up != nil else { return nil }
            guard let latency = stream.latencySeconds else { return SLAMeasurement(holds: false, value: nil, threshold: limit) }
            return SLAMeasurement(
                holds: latency > limit, value: latency, threshold: limit,
                detail: latency > limit && describes ? "the stream is \(DurationText.measured(latency)) behind" : nil)

        case .streamStalled(let limit):
            guard let stream = inputs.streams[id], let quiet = stream.quietSince else { return nil }
            return Self.measure(streamStalled: limit, quietSince: EpochMillis.seconds(quiet), up: stream.up ?? false, now: now)

        case .agentOffline, .billingUsage:
            return nil
        }
    }

    /// A stream quiet (down, or up without progress) since `quietSince`: holds once that is
    /// `limit` ago, and held since then by the evidence, so a stream found quiet for a day after
    /// a restart breaches at once.
    static func measure(streamStalled limit: Double, quietSince: Double, up: Bool, now: Double) -> SLAMeasurement {
        let value = max(0, now - quietSince)
        let holds = value >= limit
        var measurement = SLAMeasurement(
            holds: holds, value: value, threshold: limit,
            detail: holds
                ? up
                    ? "the stream has processed no records for \(DurationText.measured(value))"
                    : "no stream task has answered for \(DurationText.measured(value))"
                : nil)
        if holds { measurement.heldSince = quietSince + limit }
        return measurement
    }

    /// An agent's state: holds while it is offline, since its last heartbeat when the API
    /// gives one (else since the first poll that saw it offline). The value (time offline)
    /// comes from the state machine's `since`.
    public static func measure(agentOffline hold: Double, agent: Agent) -> SLAMeasurement {
        var measurement = SLAMeasurement(
            holds: !agent.online, value: nil, threshold: hold, detail: agent.online ? nil : "agent is offline")
        if !agent.online { measurement.heldSince = agent.lastSeen.map { EpochMillis.seconds($0) } }
        return measurement
    }

    /// The tenant's billing usage against its allowance, and the usage projected to the end of
    /// the period at the pace so far (once a tenth of the period has passed).
    public static func measure(billing maxRatio: Double, period: SLACondition.BillingPeriod, inputs: SLAInputs) -> SLAMeasurement?
    {
        guard let subscription = inputs.subscription else { return nil }
        let used: Int64?, allowance: Int64?
        var start: Double, end: Double
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = inputs.timeZone
        let date = Date(timeIntervalSince1970: inputs.now)
        switch period {
        case .month:
            (used, allowance) = (subscription.monthUsed, subscription.monthlyAllowance)
            let monthStart = calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
            start = subscription.periodStart.map { EpochMillis.seconds($0) } ?? monthStart.timeIntervalSince1970
            end =
                subscription.periodEnd.map { EpochMillis.seconds($0) }
                ?? (calendar.date(byAdding: .month, value: 1, to: monthStart) ?? date).timeIntervalSince1970
        case .day:
            (used, allowance) = (subscription.todayUsed, subscription.dailyAllowance)
            start = calendar.startOfDay(for: date).timeIntervalSince1970
            end = start + 86400
        }
        guard let used, let allowance, allowance > 0 else { return nil }
        let ratio = Double(used) / Double(allowance)
        let elapsed = end > start ? (inputs.now - start) / (end - start) : 1
        var measurement = SLAMeasurement(
            holds: ratio > maxRatio, value: ratio, threshold: maxRatio,
            detail: ratio > maxRatio ? "\(used) of \(allowance) records used this \(period.rawValue)" : nil)
        if elapsed >= 0.1, elapsed < 1 {
            let projected = ratio / elapsed
            measurement.projectedRatio = projected
            if projected > 1, !measurement.holds {
                measurement.holds = true
                let runOut = start + (end - start) * elapsed / ratio
                measurement.detail =
                    "at the current pace the allowance runs out on \(UTCTime.format(runOut)), before the \(period.rawValue) ends"
            }
        }
        return measurement
    }

    private mutating func objective(
        target: Double, window: Double, minRuns: Int, flowId: Int64, runs: borrowing RunWindows.Flow, now: Double
    ) -> SLAMeasurement {
        let budget = 1 - target
        if objectiveWindows.first != Self.ms(window) { objectiveWindows = Self.objectiveWindows(window) }
        count(flowId, runs: runs, windows: objectiveWindows, now: now, positions: 0..<1)
        let total = counted[0]
        let good = total.runs > 0 ? 1 - Double(total.errors) / Double(total.runs) : nil
        func burn(_ index: Int) -> Double? {
            counted[index + 1].runs > 0 ? Double(counted[index + 1].errors) / Double(counted[index + 1].runs) / budget : nil
        }
        // The burn rates are counted only when they can decide or are wanted: with the budget
        // spent the objective holds whatever they are (a replay measures this millions of times,
        // mostly with the budget spent or no text wanted). The pairs' windows by position.
        var firing: (pair: SLOBurnWindows.Pair, factor: Double)?
        var thresholds: [Double?] = []
        if (good ?? 1) >= target || describes {
            count(flowId, runs: runs, windows: objectiveWindows, now: now, positions: 1..<objectiveWindows.count)
            if describes { thresholds = Array(repeating: nil, count: SLOBurnWindows.seconds.count) }
            for (pair, position) in zip(SLOBurnWindows.pairs, SLOBurnWindows.pairPositions)
            where SLOBurnWindows.judges(pair, window: window) && counted[position.long + 1].runs >= minRuns {
                let factor = SLOBurnWindows.factor(pair, window: window)
                if describes { thresholds[position.long] = factor }
                if firing == nil, (burn(position.long) ?? 0) > factor && (burn(position.short) ?? 0) > factor {
                    firing = (pair, factor)
                    if !describes { break }
                }
            }
        }
        guard let good else {
            var empty = SLAMeasurement(holds: false, value: nil, threshold: target)
            if describes {
                empty.burnRates = SLOBurnWindows.seconds.indices.map(burn)
                empty.burnThresholds = thresholds
            }
            return empty
        }
        var measurement = SLAMeasurement(holds: good < target || firing != nil, value: good, threshold: target)
        measurement.errorBudgetRemaining = 1 - (1 - good) / budget
        guard describes else { return measurement }
        measurement.burnRates = SLOBurnWindows.seconds.indices.map(burn)
        measurement.burnThresholds = thresholds
        if let firing {
            measurement.detail =
                "error budget of \(DurationText.format(window)) burning over \(Self.factor(firing.factor))× in \(DurationText.format(firing.pair.long)) and \(DurationText.format(firing.pair.short))"
        } else if good < target {
            measurement.detail =
                "\(total.errors) of \(total.runs) runs failed in \(DurationText.format(window)): error budget spent"
        }
        return measurement
    }

    /// Runs and errors per window (its length in ms) ending now, into `counted`, for the
    /// windows at `positions` (all by default). Bounds are searched from where they fell for
    /// the same flow before. (Buffers kept between calls: this runs millions of times in a replay.)
    private mutating func count(
        _ flowId: Int64, runs: borrowing RunWindows.Flow, windows: [Int64], now: Double, positions: Range<Int>? = nil
    ) {
        if counted.count != windows.count { counted = Array(repeating: (0, 0), count: windows.count) }
        if bounds.flowId != flowId || bounds.windows.count != windows.count {
            bounds = (flowId, Array(repeating: 0..<runs.count, count: windows.count))
        }
        let to = Self.ms(now)
        for index in positions ?? windows.indices {
            counted[index] = runs.counts(endedAfter: to - windows[index], upTo: to, near: &bounds.windows[index])
        }
    }

    /// The quantile of the run times in the window, reused while the window holds the same runs.
    /// Measured again for the same flow as the window slides on (a replay), the window's run
    /// times are kept sorted and changed by the runs that came and went.
    private mutating func percentile(
        _ p: Double, of flowId: Int64, runs: borrowing RunWindows.Flow, window: Double, now: Double
    ) -> Float? {
        let range = runs.range(endedAfter: Self.ms(now) - Self.ms(window), upTo: Self.ms(now))
        if var last = sliding, last.flowId == flowId, last.layout == runs.layout,
            range.lowerBound >= last.range.lowerBound, range.upperBound >= last.range.upperBound,
            range.lowerBound <= last.range.upperBound
        {
            sliding = nil // uniquely held while it changes
            if var sorted = last.sorted {
                scratch.removeAll(keepingCapacity: true)
                runs.durations(at: last.range.lowerBound..<range.lowerBound, into: &scratch)
                for gone in scratch { sorted.remove(gone) }
                scratch.removeAll(keepingCapacity: true)
                runs.durations(at: last.range.upperBound..<range.upperBound, into: &scratch)
                for came in scratch { sorted.insert(came) }
                last.sorted = sorted
            } else {
                scratch.removeAll(keepingCapacity: true)
                runs.durations(at: range, into: &scratch)
                last.sorted = SortedFloats(scratch)
            }
            last.range = range
            sliding = last
            return last.sorted?.nearestRank(p: p)
        }
        let key = PercentileKey(flowId: flowId, p: p, window: window)
        sliding = (flowId, runs.layout, range, nil)
        if let cached = percentiles[key], cached.version == runs.version, cached.range == range { return cached.value }
        scratch.removeAll(keepingCapacity: true)
        runs.durations(at: range, into: &scratch)
        let value = scratch.isEmpty ? nil : NearestRank.nearestRank(&scratch, p: p)
        percentiles[key] = (runs.version, range, value)
        return value
    }

    /// The latest deadline at or before `now` and the next one after it.
    private mutating func latestDue(_ deadline: Deadline, now: Double, zone: TimeZone) -> (Deadline.Due?, Double?) {
        if let cached = dueCache, cached.deadline == deadline, cached.zone == zone, now >= cached.from, now < cached.until {
            return (cached.due, cached.until)
        }
        let due = deadline.latest(atOrBefore: now, in: zone)
        let next = deadline.next(after: now, in: zone)
        dueCache = (deadline, zone, due?.due ?? -.infinity, next ?? .infinity, due)
        return (due, next)
    }

    private mutating func cadence(_ schedule: String) -> FlowCadence? {
        if let cached = cadences[schedule] { return try? cached.get() }
        let parsed: Result<FlowCadence, CronError>
        do { parsed = .success(try FlowCadence(schedule: schedule)) } catch { parsed = .failure(error) }
        cadences[schedule] = parsed
        return try? parsed.get()
    }

    private mutating func nextFiring(
        scheduleId: Int64, schedule: String, cadence: FlowCadence, after: Double,
        timeZone: TimeZone
    ) -> Double? {
        if let cached = nextFirings[scheduleId], cached.schedule == schedule, cached.after == after { return cached.next }
        let next = cadence.next(after: after, in: timeZone)
        nextFirings[scheduleId] = (schedule, after, next)
        return next
    }

    /// The larger of two values, either of which may be unknown. (Written out: an array of
    /// the two allocates, millions of times in a replay.)
    static func larger<T: Comparable>(_ a: T?, _ b: T?) -> T? {
        guard let a else { return b }
        guard let b else { return a }
        return Swift.max(a, b)
    }

    /// The smaller of two values, either of which may be unknown.
    static func smaller<T: Comparable>(_ a: T?, _ b: T?) -> T? {
        guard let a else { return b }
        guard let b else { return a }
        return Swift.min(a, b)
    }

    /// The most generous expected run time among a flow's schedules.
    static func longestExpected(_ schedules: [FlowSchedule]?) -> Double? {
        var longest: Double?
        for schedule in schedules ?? [] { longest = larger(longest, schedule.expectedSeconds) }
        return longest
    }

    /// Seconds to whole milliseconds: windows are compared in integers, so that their bounds
    /// do not depend on floating-point rounding.
    static func ms(_ seconds: Double) -> Int64 { EpochMillis.from(seconds: seconds) }

    /// An objective's windows in ms: its own first, then the burn-rate windows.
    static func objectiveWindows(_ window: Double) -> [Int64] { ([window] + SLOBurnWindows.seconds).map(ms) }

    private static func percent(_ p: Double) -> String {
        let value = p * 100
        return value == value.rounded() ? String(Int(value)) : String(value)
    }

    private static func factor(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

}
