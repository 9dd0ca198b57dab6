import ExporterBase
import Foundation
import Yams

/// Reads the `notifications:` section.
extension ConfigNodeReader {
    package mutating func notifications(_ node: Node) -> NotificationConfig {
        var config = NotificationConfig()
        if isNull(node) { return config }
        guard let mapping = node.mapping else {
            issue("notifications", node, "must be a mapping of alertmanager, webhooks, queue_capacity")
            return config
        }
        for (key, value) in mapping {
            switch key.string {
            case "alertmanager":
                guard let fields = value.mapping else {
                    issue("notifications.alertmanager", value, "must be a mapping such as {url: http://127.0.0.1:9093}")
                    continue
                }
                for (field, _) in fields where !["url", "resend_interval", "timeout", "labels"].contains(field.string ?? "") {
                    issue(
                        "notifications.alertmanager.\(field.string ?? "")", field,
                        "unknown key (expected url, resend_interval, timeout, labels)")
                }
                guard let url = url(fields["url"], key: "notifications.alertmanager.url", parent: value) else { continue }
                var alertmanager = NotificationConfig.Alertmanager(url: url)
                if let node = fields["resend_interval"],
                    let seconds = duration(node, key: "notifications.alertmanager.resend_interval", minimum: 1)
                {
                    alertmanager.resendInterval = seconds
                }
                if let node = fields["timeout"],
                    let seconds = duration(node, key: "notifications.alertmanager.timeout", minimum: 0.1)
                {
                    alertmanager.timeout = seconds
                }
                if let node = fields["labels"] { alertmanager.labels = pushedLabels(node) }
                config.alertmanager = alertmanager
            case "webhooks":
                for (index, item) in list(value, key: "notifications.webhooks").enumerated() {
                    let prefix = "notifications.webhooks[\(index)]"
                    guard let fields = item.mapping else {
                        issue(prefix, item, "must be a mapping such as {url: https://…, secret: ${SECRET}}")
                        continue
                    }
                    for (field, _) in fields where !["url", "secret", "timeout", "max_attempts"].contains(field.string ?? "") {
                        issue(
                            "\(prefix).\(field.string ?? "")", field, "unknown key (expected url, secret, timeout, max_attempts)")
                    }
                    let url = url(fields["url"], key: "\(prefix).url", parent: item)
                    var secret: String?
                    if let node = fields["secret"] {
                        secret = scalar(node) ?? ""
                        if secret?.isEmpty == true { issue("\(prefix).secret", node, "is empty (is the variable set?)") }
                    }
                    guard let url else { continue }
                    var webhook = NotificationConfig.Webhook(url: url)
                    webhook.secret = secret?.isEmpty == false ? secret : nil
                    if let node = fields["timeout"], let seconds = duration(node, key: "\(prefix).timeout", minimum: 0.1) {
                        webhook.timeout = seconds
                    }
                    if let node = fields["max_attempts"] {
                        if let text = scalar(node), let count = Int(text), (1...100).contains(count) {
                            webhook.maxAttempts = count
                        } else {
                            issue("\(prefix).max_attempts", node, "must be a whole number from 1 to 100")
                        }
                    }
                    config.webhooks.append(webhook)
                }
            case "queue_capacity":
                if let text = scalar(value), let count = Int(text), (1...1_000_000).contains(count) {
                    config.queueCapacity = count
                } else {
                    issue("notifications.queue_capacity", value, "must be a whole number from 1 to 1000000")
                }
            default:
                issue("notifications.\(key.string ?? "")", key, "unknown key (expected alertmanager, webhooks, queue_capacity)")
            }
        }
        return config
    }

    /// `notifications.alertmanager.labels`: label names (`stringMap` checks them) that are not
    /// Prometheus' own (`__…`) nor the alert's own, with non-empty values.
    private mutating func pushedLabels(_ node: Node) -> [String: String] {
        let key = "notifications.alertmanager.labels"
        var labels = stringMap(node, key: key, labelNames: true)
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
            let entry = node.mapping?[name] ?? node
            if name.hasPrefix("__") {
                issue("\(key).\(name)", entry, "'\(name)' is not a valid label name: names starting with __ are Prometheus' own")
            } else if AlertPayloads.ownLabels.contains(name) {
                issue(
                    "\(key).\(name)", entry,
                    "is a label of the alert itself (\(AlertPayloads.ownLabels.sorted().joined(separator: ", ")))")
            } else if value.isEmpty {
                issue("\(key).\(name)", entry, "must be a non-empty text")
            } else {
                continue
            }
            labels[name] = nil
        }
        return labels
    }
}
