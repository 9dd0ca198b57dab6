import Exposition

/// The families of SLA rules, filled from the engine's latest evaluation. Flow rules carry
/// `flow_id` and `flow_name`, agent rules `agent_id` and `agent_name`, tenant rules neither:
/// `labels` lists them all.
public enum SLAFamilies {
    static let target = ["sla", "flow_id", "flow_name", "agent_id", "agent_name", "severity"]

    public static let breach = MetricDescriptor(
        "etlworks_sla_breach", .gauge, help: "1 while the target breaches the SLA rule (after its `for`), else 0.",
        labels: target)
    public static let pending = MetricDescriptor(
        "etlworks_sla_pending", .gauge, help: "1 while the rule's condition holds but its `for` has not passed.", labels: target)
    /// The unit of what a condition measures: one family per unit, so that no series of a
    /// family mixes seconds with ratios or counts.
    public enum ValueUnit: String, Sendable, CaseIterable {
        case seconds, ratio, runs
    }

    public static let valueSeconds = MetricDescriptor(
        "etlworks_sla_value_seconds", .gauge,
        help: "What the rule measures for the target, in seconds (a run time, time since, time past a deadline, a latency).",
        labels: target + ["condition"])
    public static let valueRatio = MetricDescriptor(
        "etlworks_sla_value_ratio", .gauge,
        help: "What the rule measures for the target, a ratio 0-1 (errors over runs, good runs over runs, usage over allowance).",
        labels: target + ["condition"])
    public static let valueRuns = MetricDescriptor(
        "etlworks_sla_value_runs", .gauge, help: "What the rule measures for the target, in runs (failures in a row).",
        labels: target + ["condition"])
    public static let thresholdSeconds = MetricDescriptor(
        "etlworks_sla_threshold_seconds", .gauge, help: "The limit etlworks_sla_value_seconds is compared with.",
        labels: target + ["condition"])
    public static let thresholdRatio = MetricDescriptor(
        "etlworks_sla_threshold_ratio", .gauge, help: "The limit etlworks_sla_value_ratio is compared with.",
        labels: target + ["condition"])
    public static let thresholdRuns = MetricDescriptor(
        "etlworks_sla_threshold_runs", .gauge, help: "The limit etlworks_sla_value_runs is compared with.",
        labels: target + ["condition"])

    public static func value(_ unit: ValueUnit) -> MetricDescriptor {
        switch unit {
        case .seconds: valueSeconds
        case .ratio: valueRatio
        case .runs: valueRuns
        }
    }

    public static func threshold(_ unit: ValueUnit) -> MetricDescriptor {
        switch unit {
        case .seconds: thresholdSeconds
        case .ratio: thresholdRatio
        case .runs: thresholdRuns
        }
    }
    public static let breaches = MetricDescriptor(
        "etlworks_sla_breaches", .counter, help: "Breaches of the rule by the target that began (stored; survives restarts).",
        labels: target)
    public static let breachStart = MetricDescriptor(
        "etlworks_sla_breach_start_timestamp_seconds", .gauge, help: "When the current breach began.", labels: target)
    public static let compliance = MetricDescriptor(
        "etlworks_sla_compliance_ratio", .gauge,
        help: "Share of the observed time in the window (last 30 days, or this calendar month) the target did not breach.",
        labels: target + ["window"])
    public static let errorBudgetRemaining = MetricDescriptor(
        "etlworks_sla_error_budget_remaining_ratio", .gauge,
        help: "Objectives: share of the error budget left over the objective's window (negative when overspent).",
        labels: target)
    public static let burnRate = MetricDescriptor(
        "etlworks_sla_burn_rate", .gauge,
        help:
            "Objectives: error ratio over the window divided by the error budget (1 spends it exactly in the objective's window).",
        labels: target + ["window"])
    public static let burnRateThreshold = MetricDescriptor(
        "etlworks_sla_burn_rate_threshold", .gauge,
        help:
            "Objectives: the factor the burn-rate pair whose long window this is fires above (the SRE workbook's, scaled to the objective's window); absent while the pair is not judged (too long a window, or fewer runs than min_runs).",
        labels: target + ["window"])
    public static let billingProjectedUsage = MetricDescriptor(
        "etlworks_sla_billing_projected_usage_ratio", .gauge,
        help: "Billing rules: usage projected to the end of the period at the current pace, over the allowance.", labels: target)
    public static let lastEvaluation = MetricDescriptor(
        "etlworks_sla_last_evaluation_timestamp_seconds", .gauge, help: "When the SLA rules were last evaluated.")
    public static let evaluationDuration = MetricDescriptor(
        "etlworks_sla_evaluation_duration_seconds", .gauge, help: "How long the latest evaluation of every rule took.")

    public static let notifications = MetricDescriptor(
        "etlworks_exporter_notifications", .counter,
        help:
            "Notification deliveries by receiver and result (sent, failed: an attempt failed, dropped: given up or queue full).",
        labels: ["receiver", "result"])
    public static let notificationQueue = MetricDescriptor(
        "etlworks_exporter_notification_queue_length", .gauge, help: "Notifications waiting for delivery per receiver.",
        labels: ["receiver"])

    public static let all = [
        breach, pending, valueSeconds, valueRatio, valueRuns, thresholdSeconds, thresholdRatio, thresholdRuns, breaches,
        breachStart, compliance, errorBudgetRemaining, burnRate,
        burnRateThreshold, billingProjectedUsage, lastEvaluation, evaluationDuration, notifications, notificationQueue
    ]
}
