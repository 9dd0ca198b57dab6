import EtlworksAPI
import ExporterBase
import Foundation
import Vocabulary

/// The JSON bodies notifications carry. Pure.
public enum AlertPayloads {
    /// Alertmanager API v2 `POST /api/v2/alerts`: an array of alerts. An active alert's
    /// `endsAt` lies `validFor` ahead, so that Alertmanager resolves it on its own if the
    /// exporter stops re-sending it; a resolved one ends when the breach ended.
    /// The name of a pushed alert. Not the Prometheus rule's `EtlworksSLABreach`: with both
    /// paths on, the shipped Alertmanager configuration inhibits this one while the rule's
    /// fires, so a breach pages once (README, "Alerts and dashboards").
    public static let pushedAlertName = "EtlworksSLABreachPushed"
    /// Labels each pushed alert sets itself; `notifications.alertmanager.labels` cannot replace them.
    public static let ownLabels: Set<String> = [
        "alertname", "sla", "severity", "condition", "flow_id", "flow_name", "agent_id", "agent_name", "tenant_id",
        "tenant_name"
    ]

    public static func alertmanager(
        _ alerts: [SLAAlert], now: Double, validFor: Double, generatorURL: String?, extraLabels: [String: String] = [:]
    ) -> Data {
        let items: [[String: Any]] = alerts.map { alert in
            var labels = extraLabels.merging(alert.labels) { _, own in own }
            labels["alertname"] = pushedAlertName
            labels["sla"] = alert.rule
            labels["severity"] = alert.severity.rawValue
            labels["condition"] = alert.condition
            for (name, value) in targetLabels(alert.target) { labels[name] = value }
            // Tenants' flow ids overlap: the tenant is part of which breach this is.
            if let tenant = alert.tenant {
                labels["tenant_id"] = tenant.id
                labels["tenant_name"] = tenant.name
            }
            var annotations = alert.annotations
            annotations["summary"] = annotations["summary"] ?? summary(alert)
            if let detail = alert.detail { annotations["description"] = annotations["description"] ?? detail }
            if let value = alert.value { annotations["value"] = format(value) }
            if let threshold = alert.threshold { annotations["threshold"] = format(threshold) }
            var item: [String: Any] = [
                "labels": labels, "annotations": annotations,
                "startsAt": UTCTime.format(alert.startsAt), "endsAt": UTCTime.format(alert.endsAt ?? now + validFor)
            ]
            if let generatorURL { item["generatorURL"] = generatorURL }
            return item
        }
        return (try? JSONSerialization.data(withJSONObject: items, options: [.sortedKeys])) ?? Data("[]".utf8)
    }

    /// A webhook event: one breach beginning (`breach`) or ending (`resolve`).
    public static func webhook(_ alert: SLAAlert, sentAt: Double) -> Data {
        var object: [String: Any] = [
            "event": alert.isResolved ? "resolve" : "breach",
            "sla": alert.rule,
            "severity": alert.severity.rawValue,
            "condition": alert.condition,
            "target": ["kind": alert.target.kind.rawValue, "id": alert.target.id, "name": alert.target.name] as [String: Any],
            "starts_at": UTCTime.format(alert.startsAt),
            "sent_at": UTCTime.format(sentAt),
            "labels": alert.labels,
            "annotations": alert.annotations,
            "summary": summary(alert)
        ]
        if let endsAt = alert.endsAt { object["ends_at"] = UTCTime.format(endsAt) }
        if let tenant = alert.tenant { object["tenant"] = ["id": tenant.id, "name": tenant.name] }
        if let value = alert.value, value.isFinite { object["value"] = value }
        if let threshold = alert.threshold, threshold.isFinite { object["threshold"] = threshold }
        if let detail = alert.detail { object["detail"] = detail }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    /// `X-Signature-SHA256`: hex HMAC-SHA256 of the exact body bytes.
    public static func signature(body: Data, secret: String) -> String {
        SHA256.hex(SHA256.hmac(key: Array(secret.utf8), message: Array(body)))
    }

    static func targetLabels(_ target: SLATarget) -> [(String, String)] {
        switch target.kind {
        case .flow: return [("flow_id", String(target.id)), ("flow_name", target.name)]
        // As the API gives it (an agent's id may be a string), as on the metrics.
        case .agent: return [("agent_id", target.externalId ?? String(target.id)), ("agent_name", target.name)]
        case .tenant: return []
        }
    }

    static func summary(_ alert: SLAAlert) -> String {
        alert.isResolved
            ? "SLA \(alert.rule) no longer breached by \(alert.targetLabel)"
            : "SLA \(alert.rule) breached by \(alert.targetLabel)"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
