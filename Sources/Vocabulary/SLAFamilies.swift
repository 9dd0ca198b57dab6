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
    public static let value = MetricDescriptor(
        "etlworks_sla_value", .gauge, help: "What the rule measures for the target, in base units (seconds, ratio, count).",
        labels: target)
    public static let threshold = MetricDescriptor(
        "etlworks_sla_threshold", .gauge, help: "The limit the value is compared with, in the same units.", labels: target)
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
        breach, pending, value, threshold, breaches, breachStart, compliance, errorBudgetRemaining, burnRate,
        burnRateThreshold, billingProjectedUsage, lastEvaluation, evaluationDuration, notifications, notificationQueue
    ]
}
