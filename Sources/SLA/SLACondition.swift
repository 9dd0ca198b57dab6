import ExporterBase
import Vocabulary

/// One thing a rule evaluates to a value (base units) and compares with its threshold.
public enum SLACondition: Sendable, Equatable {
    /// A run (completed, or still running) longer than this; `nil`: the schedule's expected time.
    case maxDuration(seconds: Double?)
    /// The `p` quantile (nearest rank) of run times of runs that ended within `window`.
    case durationPercentile(p: Double, max: Double, window: Double)
    /// Error runs over completed runs that ended within `window`, once there are `minRuns`.
    case errorRate(max: Double, window: Double, minRuns: Int)
    /// Time since the last successful run ended.
    case maxSinceSuccess(seconds: Double)
    /// A run queued longer than this.
    case maxQueued(seconds: Double)
    /// This many error runs in a row (warnings and successes end a streak; cancels are skipped).
    case consecutiveFailures(Int)
    /// No run started within the schedule's cadence plus `grace`.
    /// `strict`: also judge schedules that may leave no record of an empty run.
    case missedSchedule(grace: Double, strict: Bool = false)
    /// The agent offline for at least `for`.
    case agentOffline(for: Double)
    /// Records used over the allowance of the period, or projected to exceed it.
    case billingUsage(maxRatio: Double, period: BillingPeriod)
    /// Share of completed runs that did not fail, over `window`, against `target`; breaches on
    /// multi-window burn rates (Google SRE workbook, chapter 5), each pair judged once its long
    /// window holds `minRuns` completed runs.
    case objective(target: Double, window: Double, minRuns: Int = 1)
    /// A stream's latency above `max` (streaming flows, from the running-tasks API).
    case streamLatency(max: Double)
    /// No successful run ended since the window of the latest deadline opened, once it is due.
    case deadline(Deadline)
    /// A stream not up, or up without progress, for `for`; counted from the evidence (its last
    /// progress, when it was last up, or its run's start), not from when it was first seen.
    case streamStalled(for: Double)

    public enum BillingPeriod: String, Sendable, Equatable { case month, day }

    /// The config key naming the condition.
    public var key: String {
        switch self {
        case .maxDuration: return "max_duration"
        case .durationPercentile: return "duration_percentile"
        case .errorRate: return "error_rate"
        case .maxSinceSuccess: return "max_since_success"
        case .maxQueued: return "max_queued"
        case .consecutiveFailures: return "consecutive_failures"
        case .missedSchedule: return "missed_schedule"
        case .agentOffline: return "agent_offline"
        case .billingUsage: return "billing_usage"
        case .objective: return "objective"
        case .deadline: return "deadline"
        case .streamLatency: return "stream_latency"
        case .streamStalled: return "stream_stalled"
        }
    }

    /// The unit of its value and threshold, which names their families.
    public var unit: SLAFamilies.ValueUnit {
        switch self {
        case .errorRate, .billingUsage, .objective: return .ratio
        case .consecutiveFailures: return .runs
        case .maxDuration, .durationPercentile, .maxSinceSuccess, .maxQueued, .missedSchedule, .agentOffline, .deadline,
            .streamLatency, .streamStalled:
            return .seconds
        }
    }

    /// Whether a value below the threshold is the bad side (a ratio of good runs).
    public var lowerIsWorse: Bool {
        if case .objective = self { return true }
        return false
    }

    /// How far back the condition reads completed runs, seconds.
    var runWindow: Double {
        switch self {
        case .durationPercentile(_, _, let window), .errorRate(_, let window, _): return window
        case .objective(_, let window, _): return max(window, SLOBurnWindows.longest)
        default: return 0
        }
    }
}

extension SLACondition {
    /// Whether the condition means something for a flow of `kind` (nil: not known yet, when
    /// only a stream is ruled out from nothing).
    public func fits(_ kind: FlowKind?) -> Bool {
        switch self {
        case .maxDuration, .durationPercentile, .maxSinceSuccess, .objective, .deadline: return kind != .streaming
        case .missedSchedule: return kind != .streaming && kind != .unscheduled
        case .streamLatency, .streamStalled: return kind == .streaming
        default: return true
        }
    }
}
