import Exposition
import SLA

/// The `etlworks_sla_*` families, rendered from the latest evaluation. Flow rules carry
/// `flow_id` and `flow_name`, agent rules `agent_id` and `agent_name`, tenant rules neither.
extension MetricsRenderer {
    private static let windowLabels = (thirtyDays: LabelSet([("window", "30d")]), month: LabelSet([("window", "month")]))
    private static let burnLabels = SLOBurnWindows.windows.map { LabelSet([("window", $0.label)]) }

    static func writeSLA(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        let sla = snapshot.sla
        let results = sla.results
        guard !sla.rules.isEmpty else { return }
        writer.family(
            "etlworks_sla_breach", type: .gauge, help: "1 while the target breaches the SLA rule (after its `for`), else 0.")
        for result in results { writer.sample(result.labels, result.phase == .breaching ? 1 : 0) }
        writer.family(
            "etlworks_sla_pending", type: .gauge, help: "1 while the rule's condition holds but its `for` has not passed.")
        for result in results { writer.sample(result.labels, result.phase == .pending ? 1 : 0) }
        writer.family(
            "etlworks_sla_value", type: .gauge,
            help: "What the rule measures for the target, in base units (seconds, ratio, count).")
        for result in results { if let value = result.measurement.value { writer.sample(result.labels, value) } }
        writer.family("etlworks_sla_threshold", type: .gauge, help: "The limit the value is compared with, in the same units.")
        for result in results { if let value = result.measurement.threshold { writer.sample(result.labels, value) } }
        writer.family(
            "etlworks_sla_breaches", type: .counter,
            help: "Breaches of the rule by the target that began (stored; survives restarts).")
        for result in results { writer.sample(result.labels, Double(result.breachesTotal)) }
        writer.family("etlworks_sla_breach_start_timestamp_seconds", type: .gauge, help: "When the current breach began.")
        for result in results { if let start = result.breachStart { writer.sample(result.labels, start) } }
        writer.family(
            "etlworks_sla_compliance_ratio", type: .gauge,
            help: "Share of the window (last 30 days, or this calendar month) the target did not breach, since evaluation began.")
        for result in results {
            if let value = result.compliance30d { writer.sample(result.labels, extra: windowLabels.thirtyDays, value) }
            if let value = result.complianceMonth { writer.sample(result.labels, extra: windowLabels.month, value) }
        }
        writer.family(
            "etlworks_sla_error_budget_remaining_ratio", type: .gauge,
            help: "Objectives: share of the error budget left over the objective's window (negative when overspent).")
        for result in results { if let value = result.measurement.errorBudgetRemaining { writer.sample(result.labels, value) } }
        writer.family(
            "etlworks_sla_burn_rate", type: .gauge,
            help:
                "Objectives: error ratio over the window divided by the error budget (1 spends it exactly in the objective's window)."
        )
        for result in results {
            guard let rates = result.measurement.burnRates else { continue }
            for (index, rate) in rates.enumerated() where index < burnLabels.count {
                if let rate { writer.sample(result.labels, extra: burnLabels[index], rate) }
            }
        }
        writer.family(
            "etlworks_sla_billing_projected_usage_ratio", type: .gauge,
            help: "Billing rules: usage projected to the end of the period at the current pace, over the allowance.")
        for result in results { if let value = result.measurement.projectedRatio { writer.sample(result.labels, value) } }
        writer.family(
            "etlworks_sla_last_evaluation_timestamp_seconds", type: .gauge, help: "When the SLA rules were last evaluated.")
        if let time = sla.evaluatedAt { writer.sample(.empty, time) }
        writer.family(
            "etlworks_sla_evaluation_duration_seconds", type: .gauge, help: "How long the latest evaluation of every rule took.")
        if let seconds = sla.evaluationSeconds { writer.sample(.empty, seconds) }
    }

    static func writeNotifications(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        let receivers = snapshot.notifications.sorted { $0.key < $1.key }
        guard !receivers.isEmpty else { return }
        writer.family(
            "etlworks_exporter_notifications", type: .counter,
            help:
                "Notification deliveries by receiver and result (sent, failed: an attempt failed, dropped: given up or queue full)."
        )
        for (receiver, stats) in receivers {
            let labels = LabelSet([("receiver", receiver)])
            writer.sample(labels, "result", "sent", Double(stats.sent))
            writer.sample(labels, "result", "failed", Double(stats.failed))
            writer.sample(labels, "result", "dropped", Double(stats.dropped))
        }
        writer.family(
            "etlworks_exporter_notification_queue_length", type: .gauge, help: "Notifications waiting for delivery per receiver.")
        for (receiver, stats) in receivers { writer.sample(LabelSet([("receiver", receiver)]), Double(stats.queued)) }
    }
}
