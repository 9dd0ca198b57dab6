import EtlworksAPI
import Foundation
import Store

/// Everything one evaluation reads, taken at one instant: the live state and the windows of
/// completed runs.
public struct SLAInputs: Sendable {
    /// Epoch seconds.
    public var now: Double
    public var flows: [FlowMetrics]
    public var runs: RunWindows
    public var schedules: [Int64: FlowSchedule]
    public var agents: [Agent]
    public var subscription: Subscription?
    /// Days and cron schedules are read in this zone.
    public var timeZone: TimeZone
    /// When SLA evaluation first ran on this database: the reference for a flow that has
    /// never run (its freshness and schedule are counted from here).
    public var evaluatingSince: Double

    public init(now: Double, flows: [FlowMetrics], runs: RunWindows, schedules: [Int64: FlowSchedule] = [:],
                agents: [Agent] = [], subscription: Subscription? = nil, timeZone: TimeZone = TimeZone(identifier: "UTC")!,
                evaluatingSince: Double) {
        self.now = now
        self.flows = flows
        self.runs = runs
        self.schedules = schedules
        self.agents = agents
        self.subscription = subscription
        self.timeZone = timeZone
        self.evaluatingSince = evaluatingSince
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
    /// Billing: usage projected to the end of the period at the current pace, over the allowance.
    public var projectedRatio: Double?
    /// Why it holds, for people (health, notifications).
    public var detail: String?

    public init(holds: Bool, value: Double?, threshold: Double?, detail: String? = nil) {
        self.holds = holds
        self.value = value
        self.threshold = threshold
        self.detail = detail
    }
}
