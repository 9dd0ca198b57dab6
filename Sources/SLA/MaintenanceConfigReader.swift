import ExporterBase
import Foundation
import Yams

/// Reads `maintenance:`, a list of windows: `name`, an optional `flows` selector, and either
/// `start` and `end` (RFC 3339) or a `cron` with a `duration` (and a `timezone`).
extension ConfigNodeReader {
    package mutating func maintenanceWindows(_ node: Node) -> [MaintenanceWindow] {
        if isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            issue("maintenance", node, "must be a list of windows")
            return []
        }
        var windows: [MaintenanceWindow] = []
        for (index, item) in sequence.enumerated() {
            guard let fields = item.mapping else {
                issue("maintenance[\(index)]", item, "must be a mapping with name and start/end or cron/duration")
                continue
            }
            let name = fields["name"].flatMap { scalar($0) } ?? ""
            let prefix = name.isEmpty ? "maintenance[\(index)]" : "maintenance[\(index)] \(name)"
            if name.isEmpty { issue(prefix + ".name", item, "is required") }
            let known: Set<String> = ["name", "flows", "start", "end", "cron", "duration", "timezone"]
            for (key, _) in fields where !known.contains(key.string ?? "") {
                issue("\(prefix).\(key.string ?? "")", key, "unknown key (expected \(known.sorted().joined(separator: ", ")))")
            }
            let flows = fields["flows"].flatMap { flowSelector($0, key: prefix + ".flows") }
            func instant(_ key: String) -> Double? {
                guard let value = fields[key] else {
                    issue("\(prefix).\(key)", item, "is required with \(key == "start" ? "end" : "start")")
                    return nil
                }
                guard let text = scalar(value), let date = Self.rfc3339(text) else {
                    issue("\(prefix).\(key)", value, "'\(value.string ?? "")' is not an RFC 3339 time (2026-12-24T22:00:00Z)")
                    return nil
                }
                return date
            }
            var timing: MaintenanceWindow.Timing?
            switch (fields["start"] != nil || fields["end"] != nil, fields["cron"] != nil) {
            case (true, true):
                issue(prefix, item, "has both start/end and cron: give one")
            case (false, false):
                issue(prefix, item, "needs start and end, or cron and duration")
            case (true, false):
                if let start = instant("start"), let end = instant("end") {
                    if end > start {
                        timing = .once(start: start, end: end)
                    } else {
                        issue("\(prefix).end", fields["end"], "must be after start")
                    }
                }
            case (false, true):
                let cronNode = fields["cron"]!
                var cadence: FlowCadence?
                if let text = scalar(cronNode) {
                    do {
                        cadence = try FlowCadence(schedule: text)
                    } catch {
                        issue("\(prefix).cron", cronNode, error.description)
                    }
                    if case .every = cadence {
                        issue("\(prefix).cron", cronNode, "'\(text)' is a number, not a cron expression")
                        cadence = nil
                    }
                }
                var zone: TimeZone?
                if let value = fields["timezone"] {
                    zone = scalar(value).flatMap(TimeZone.init(identifier:))
                    if zone == nil {
                        issue(
                            "\(prefix).timezone", value,
                            "'\(value.string ?? "")' is not a time zone (an IANA name, e.g. Europe/Berlin)")
                    }
                }
                let duration: Double?
                if let value = fields["duration"] {
                    duration = self.duration(value, key: "\(prefix).duration", minimum: 1)
                } else {
                    issue("\(prefix).duration", item, "is required with cron")
                    duration = nil
                }
                if let cadence, let duration, fields["timezone"] == nil || zone != nil {
                    timing = .recurring(cron: cadence, duration: duration, timeZone: zone)
                }
            }
            if let timing, !name.isEmpty { windows.append(MaintenanceWindow(name: name, flows: flows, timing: timing)) }
        }
        return windows
    }

    /// An RFC 3339 time, with or without fractional seconds.
    static func rfc3339(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}
