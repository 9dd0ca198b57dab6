import Exposition
import SLA
import Vocabulary

/// The `etlworks_sla_*` families, rendered from the latest evaluation. Flow rules carry
/// `flow_id` and `flow_name`, agent rules `agent_id` and `agent_name`, tenant rules neither.
extension MetricsRenderer {
    private static let windowLabels = (thirtyDays: LabelSet([("window", "30d")]), month: LabelSet([("window", "month")]))
    private static let burnLabels = SLOBurnWindows.windows.map { LabelSet([("window", $0.label)]) }

    static func writeSLA(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        let sla = snapshot.sla
        let results = sla.results
        guard !sla.rules.isEmpty else { return }
        // Targets of rules with `export: breach_only` get the breach gauge and counter alone.
        let breachOnly = Set(sla.rules.lazy.filter { $0.export == .breachOnly }.map(\.name))
        let full = breachOnly.isEmpty ? results : results.filter { !breachOnly.contains($0.rule) }
        writer.family(SLAFamilies.breach)
        for result in results { writer.sample(result.labels, result.phase == .breaching ? 1 : 0) }
        writer.family(SLAFamilies.pending)
        for result in full { writer.sample(result.labels, result.phase == .pending ? 1 : 0) }
        // Values and thresholds in one family per unit, each series naming its condition.
        let units = Dictionary(sla.rules.map { ($0.name, $0.condition.unit) }, uniquingKeysWith: { first, _ in first })
        var conditionLabels: [String: LabelSet] = [:]
        for result in full where conditionLabels[result.condition] == nil {
            conditionLabels[result.condition] = LabelSet([("condition", result.condition)])
        }
        for unit in SLAFamilies.ValueUnit.allCases {
            writer.family(SLAFamilies.value(unit))
            for result in full where units[result.rule] == unit {
                if let value = result.measurement.value {
                    writer.sample(result.labels, extra: conditionLabels[result.condition]!, value)
                }
            }
            writer.family(SLAFamilies.threshold(unit))
            for result in full where units[result.rule] == unit {
                if let value = result.measurement.threshold {
                    writer.sample(result.labels, extra: conditionLabels[result.condition]!, value)
                }
            }
        }
        writer.family(SLAFamilies.breaches)
        for result in results { writer.sample(result.labels, Double(result.breachesTotal)) }
        writer.family(SLAFamilies.breachStart)
        for result in full { if let start = result.breachStart { writer.sample(result.labels, start) } }
        writer.family(SLAFamilies.compliance)
        for result in full {
            if let value = result.compliance30d { writer.sample(result.labels, extra: windowLabels.thirtyDays, value) }
            if let value = result.complianceMonth { writer.sample(result.labels, extra: windowLabels.month, value) }
        }
        writer.family(SLAFamilies.errorBudgetRemaining)
        for result in full { if let value = result.measurement.errorBudgetRemaining { writer.sample(result.labels, value) } }
        writer.family(SLAFamilies.burnRate)
        for result in full {
            guard let rates = result.measurement.burnRates else { continue }
            for (index, rate) in rates.enumerated() where index < burnLabels.count {
                if let rate { writer.sample(result.labels, extra: burnLabels[index], rate) }
            }
        }
        writer.family(SLAFamilies.burnRateThreshold)
        for result in full {
            guard let factors = result.measurement.burnThresholds else { continue }
            for (index, factor) in factors.enumerated() where index < burnLabels.count {
                if let factor { writer.sample(result.labels, extra: burnLabels[index], factor) }
            }
        }
        writer.family(SLAFamilies.billingProjectedUsage)
        for result in full { if let value = result.measurement.projectedRatio { writer.sample(result.labels, value) } }
        writer.family(SLAFamilies.lastEvaluation)
        if let time = sla.evaluatedAt { writer.sample(.empty, time) }
        writer.family(SLAFamilies.evaluationDuration)
        if let seconds = sla.evaluationSeconds { writer.sample(.empty, seconds) }
    }

    static func writeNotifications(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        let receivers = snapshot.notifications.sorted { $0.key < $1.key }
        guard !receivers.isEmpty else { return }
        writer.family(SLAFamilies.notifications)
        for (receiver, stats) in receivers {
            let labels = LabelSet([("receiver", receiver)])
            writer.sample(labels, "result", "sent", Double(stats.sent))
            writer.sample(labels, "result", "failed", Double(stats.failed))
            writer.sample(labels, "result", "dropped", Double(stats.dropped))
        }
        writer.family(SLAFamilies.notificationQueue)
        for (receiver, stats) in receivers { writer.sample(LabelSet([("receiver", receiver)]), Double(stats.queued)) }
    }
}
