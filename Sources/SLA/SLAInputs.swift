import EtlworksAPI
import ExporterBase
import Foundation
import SlidingWindows
import Store

/// Everything one evaluation reads, taken at one instant: the live state and the windows of
/// completed runs.
public struct SLAInputs: Sendable {
    /// Epoch seconds.
    public var now: Double
    /// Every flow with its window of runs, built once per evaluation.
    public var flows: [SLAFlow]
    public var runs: RunWindows
    /// Each flow's enabled schedules.
    public var schedules: [Int64: [FlowSchedule]]
    /// Each flow's kind, as far as it is known (rules selecting `kinds` read it).
    public var kinds: [Int64: FlowKind] = [:]
    /// Each streaming flow's stream (`stream_latency`, `stream_stalled`).
    public var streams: [Int64: StreamStatus] = [:]
    /// Per schedule (`eventId`), the latest start of a run it fired, epoch ms.
    public var scheduledStarts: [Int64: Int64] = [:]
    public var agents: [Agent]
    public var subscription: Subscription?
    /// Days and billing months are read in this zone.
    public var timeZone: TimeZone
    /// Cron schedules fire in this zone (`etlworks.scheduler_timezone`).
    public var scheduleTimeZone: TimeZone
    /// When SLA evaluation first ran on this database: the reference for a flow that has
    /// never run (its freshness and schedule are counted from here).
    public var evaluatingSince: Double
    /// Per flow, when its oldest stored completed run started, epoch seconds: a flow that has
    /// never succeeded has gone without a success since then.
    public var firstRuns: [Int64: Double] = [:]
    /// Per flow with no stored success, when its own history says it last succeeded (or the
    /// look-back bound when it says none), epoch seconds.
    public var lastSuccessLookedUp: [Int64: Double] = [:]

    public init(
        now: Double, flows: [FlowMetrics], runs: RunWindows, schedules: [Int64: [FlowSchedule]] = [:],
        agents: [Agent] = [], subscription: Subscription? = nil, timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        evaluatingSince: Double
    ) {
        self.now = now
        self.flows = flows.map { SLAFlow(metrics: $0, runs: runs[$0.flow.id], recentLongest: runs.recentLongest[$0.flow.id]) }
        self.runs = runs
        self.schedules = schedules
        self.agents = agents
        self.subscription = subscription
        self.timeZone = timeZone
        scheduleTimeZone = timeZone
        self.evaluatingSince = evaluatingSince
    }
}

/// What rules read of one flow. Conditions are measured over any view of it (`some
/// SLAFlowFacts`, specialised, never boxed): a live evaluation's unchanging `SLAFlow`, or
/// the one view a replay changes as its time goes on (`ReplayedFlow`).
public protocol SLAFlowFacts: AnyObject {
    var record: FlowRecord { get }
    var lastDurationSeconds: Double? { get }
    var lastSuccessEnd: Int64? { get }
    var oldestRunningStart: Int64? { get }
    var oldestQueuedCreated: Int64? { get }
    var newestOpenStart: Int64? { get }
    /// The longest run completed since the previous evaluation, seconds.
    var recentLongest: Double? { get }
}

extension SLAFlowFacts {
    public var id: Int64 { record.id }
}

/// A flow as one evaluation reads it, shared unchanged by the tasks that measure the rules.
/// A class: 20 rules read each of 2,000 flows per evaluation, and passing a reference costs
/// one retain where a struct of this size costs a dozen.
public final class SLAFlow: SLAFlowFacts, Sendable {
    public let record: FlowRecord
    public let lastDurationSeconds: Double?
    public let lastSuccessEnd: Int64?
    public let oldestRunningStart: Int64?
    public let oldestQueuedCreated: Int64?
    public let newestOpenStart: Int64?
    /// Completed runs in the windows rules need.
    public let runs: RunWindows.Flow?
    public let recentLongest: Double?

    /// A flow as it stood at some instant (replaying stored runs).
    public init(
        record: FlowRecord, lastDurationSeconds: Double?, lastSuccessEnd: Int64?, oldestRunningStart: Int64?,
        oldestQueuedCreated: Int64?, newestOpenStart: Int64?, runs: RunWindows.Flow?, recentLongest: Double?
    ) {
        self.record = record
        self.lastDurationSeconds = lastDurationSeconds
        self.lastSuccessEnd = lastSuccessEnd
        self.oldestRunningStart = oldestRunningStart
        self.oldestQueuedCreated = oldestQueuedCreated
        self.newestOpenStart = newestOpenStart
        self.runs = runs
        self.recentLongest = recentLongest
    }

    public init(metrics: FlowMetrics, runs: RunWindows.Flow?, recentLongest: Double?) {
        record = metrics.flow
        lastDurationSeconds = metrics.lastDurationSeconds
        lastSuccessEnd = metrics.lastSuccessEnd
        oldestRunningStart = metrics.oldestRunningStart
        oldestQueuedCreated = metrics.oldestQueuedCreated
        newestOpenStart = metrics.newestOpenStart
        self.runs = runs
        self.recentLongest = recentLongest
    }
}

/// What one condition measured for one target. `holds` is the condition being violated now;
/// `value` and `threshold` are in base units (seconds, ratios, counts).
public struct SLAMeasurement: Sendable, Equatable {
    public var holds: Bool
    public var value: Double?
    public var threshold: Double?
    /// Objectives: the share of the error budget left over the window (negative: overspent).
    public var errorBudgetRemaining: Double?
    /// Objectives: burn rate per window of `SLOBurnWindows.windows` (nil where no runs ended).
    public var burnRates: [Double?]?
    /// Objectives: per window of `SLOBurnWindows.windows`, the factor of the pair whose long
    /// window it is, where that pair is judged.
    public var burnThresholds: [Double?]?
    /// Billing: usage projected to the end of the period at the current pace, over the allowance.
    public var projectedRatio: Double?
    /// Why it holds, for people (health, notifications).
    public var detail: String?
    /// Since when the condition has held, by the evidence (an agent's last heartbeat): `for`
    /// counts from here rather than from the first evaluation that saw it hold.
    public var heldSince: Double?
    /// While it does not hold: the next instant it may start holding with no run coming or
    /// going (a deadline), for a replay to evaluate then.
    public var changesAt: Double?

    public init(holds: Bool, value: Double?, threshold: Double?, detail: String? = nil) {
        self.holds = holds
        self.value = value
        self.threshold = threshold
        self.detail = detail
    }
}

/// The one view of a flow a replay changes as its time goes on (a new `SLAFlow` per instant
/// was a third of its time). Not `Sendable`: it lives and is measured in the replay's task.
final class ReplayedFlow: SLAFlowFacts {
    let record: FlowRecord
    var lastDurationSeconds: Double?
    var lastSuccessEnd: Int64?
    var oldestRunningStart: Int64?
    var oldestQueuedCreated: Int64?
    var newestOpenStart: Int64?
    var recentLongest: Double?

    init(record: FlowRecord) { self.record = record }
}
