import Foundation
import Store

/// One SLA rule from the `sla:` section: which targets it covers, the condition each must
/// meet, and what a breach means.
public struct SLARule: Sendable, Equatable {
    public var name: String
    public var target: SLATargetSelector
    public var condition: SLACondition
    public var severity: SLASeverity
    /// How long the condition must hold before the target breaches, seconds.
    public var holdFor: Double
    /// Added to notifications (Alertmanager labels, webhook bodies).
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(name: String, target: SLATargetSelector, condition: SLACondition, severity: SLASeverity = .warning,
                holdFor: Double = 0, labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.name = name
        self.target = target
        self.condition = condition
        self.severity = severity
        self.holdFor = holdFor
        self.labels = labels
        self.annotations = annotations
    }
}

extension SLARule {
    /// Whether the rule reads flow schedules (`/v1/schedules` is then polled).
    public var needsSchedules: Bool {
        switch condition {
        case .maxDuration(nil), .missedSchedule: return true
        default: return false
        }
    }
}

public enum SLASeverity: String, Sendable, CaseIterable, Comparable {
    case critical, warning, info

    var rank: Int { self == .critical ? 2 : self == .warning ? 1 : 0 }
    public static func < (lhs: SLASeverity, rhs: SLASeverity) -> Bool { lhs.rank < rhs.rank }
}

/// What a rule applies to.
public enum SLATargetSelector: Sendable, Equatable {
    case flows(FlowSelector)
    /// Agents whose name matches any pattern.
    case agents([Glob])
    case tenant

    public var kind: SLATarget.Kind {
        switch self {
        case .flows: return .flow
        case .agents: return .agent
        case .tenant: return .tenant
        }
    }
}

/// Flows by id, name pattern and tag. Each list given narrows the selection (a flow must
/// match every list given, and any entry within a list); no list selects every flow.
public struct FlowSelector: Sendable, Equatable {
    public var ids: Set<Int64> = []
    public var names: [Glob] = []
    public var tags: Set<String> = []

    public init(ids: Set<Int64> = [], names: [Glob] = [], tags: Set<String> = []) {
        self.ids = ids
        self.names = names
        self.tags = tags
    }

    public func matches(_ flow: FlowRecord) -> Bool {
        (ids.isEmpty || ids.contains(flow.id))
            && (names.isEmpty || names.contains { $0.matches(flow.name) })
            && (tags.isEmpty || flow.tags.contains { tags.contains($0) })
    }
}

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
    case missedSchedule(grace: Double)
    /// The agent offline for at least `for`.
    case agentOffline(for: Double)
    /// Records used over the allowance of the period, or projected to exceed it.
    case billingUsage(maxRatio: Double, period: BillingPeriod)
    /// Share of completed runs that did not fail, over `window`, against `target`; breaches on
    /// multi-window burn rates (Google SRE workbook, chapter 5).
    case objective(target: Double, window: Double)

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
        case .objective(_, let window): return max(window, SLOBurnWindows.longest)
        default: return 0
        }
    }
}

/// The multi-window, multi-burn-rate alert of the SRE workbook: a pair breaches when both its
/// long and short window burn faster than `factor`.
public enum SLOBurnWindows {
    public struct Pair: Sendable {
        public var long: Double
        public var short: Double
        public var factor: Double
    }

    public static let pairs: [Pair] = [
        Pair(long: 3600, short: 300, factor: 14.4),
        Pair(long: 6 * 3600, short: 1800, factor: 6),
        Pair(long: 86400, short: 2 * 3600, factor: 3),
        Pair(long: 3 * 86400, short: 6 * 3600, factor: 1),
    ]

    /// Every window exported as `etlworks_sla_burn_rate{window}`, shortest first.
    public static let windows: [(label: String, seconds: Double)] = [
        ("5m", 300), ("30m", 1800), ("1h", 3600), ("2h", 7200), ("6h", 21600), ("1d", 86400), ("3d", 259_200),
    ]

    static let longest: Double = 3 * 86400
}

/// Where breaches are pushed.
public struct NotificationConfig: Sendable, Equatable {
    public struct Alertmanager: Sendable, Equatable {
        public var url: URL
        /// How often active alerts are sent again.
        public var resendInterval: Double = 60
        public var timeout: Double = 10
    }

    public struct Webhook: Sendable, Equatable {
        public var url: URL
        /// Key of the `X-Signature-SHA256` HMAC; unsigned when nil.
        public var secret: String?
        public var timeout: Double = 10
        /// Attempts per event before it is dropped.
        public var maxAttempts: Int = 5
    }

    public var alertmanager: Alertmanager?
    public var webhooks: [Webhook] = []
    /// Events waiting for delivery per receiver; the oldest is dropped beyond this.
    public var queueCapacity: Int = 1000

    public init() {}

    public var secrets: [String] { webhooks.compactMap(\.secret) }
}

/// How SLA breaches set the /health status, per severity.
public struct SLAHealthPolicy: Sendable, Equatable {
    public var critical: HealthReport.Status = .fail
    public var warning: HealthReport.Status = .warn
    public var info: HealthReport.Status = .pass

    public init() {}

    func status(for severity: SLASeverity) -> HealthReport.Status {
        switch severity {
        case .critical: return critical
        case .warning: return warning
        case .info: return info
        }
    }
}
