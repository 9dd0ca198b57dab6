import ExporterBase
import Foundation
import Vocabulary
import Yams

/// Reads the `sla:` and `health:` sections. Every problem names the rule
/// (`sla[1] orders-error-rate`), the key and the line, and all are reported at once.
extension ConfigNodeReader {
    private static let conditionKeys = [
        "max_duration", "duration_percentile", "error_rate", "max_since_success",
        "max_queued", "consecutive_failures", "missed_schedule", "agent_offline",
        "billing_usage", "objective", "stream_latency", "stream_stalled", "deadline"
    ]
    private static let ruleKeys: Set<String> = Set(
        [
            "name", "flows", "agents", "tenant", "tenants", "severity", "for", "labels",
            "annotations", "export"
        ] + conditionKeys)
    private static let flowConditions: Set<String> = [
        "max_duration", "duration_percentile", "error_rate",
        "max_since_success", "max_queued", "consecutive_failures",
        "missed_schedule", "objective", "stream_latency", "stream_stalled", "deadline"
    ]

    // MARK: sla

    package mutating func slaRules(_ node: Node) -> [SLARule] {
        if isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            issue("sla", node, "must be a list of rules")
            return []
        }
        var rules: [SLARule] = []
        var names: Set<String> = []
        for (index, item) in sequence.enumerated() {
            guard let mapping = item.mapping else {
                issue("sla[\(index)]", item, "must be a mapping with name, a target and one condition")
                continue
            }
            let name = mapping["name"].flatMap { scalar($0) } ?? ""
            let prefix = name.isEmpty ? "sla[\(index)]" : "sla[\(index)] \(name)"
            if name.isEmpty {
                issue(prefix + ".name", item, "is required")
            } else if !name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) || name.count > 128 {
                issue(prefix + ".name", mapping["name"], "'\(name)' may hold only letters, digits and - _ . : (at most 128)")
            } else if !names.insert(name).inserted {
                issue(prefix + ".name", mapping["name"], "'\(name)' is used by an earlier rule")
            }
            for (key, _) in mapping where !Self.ruleKeys.contains(key.string ?? "") {
                issue(
                    "\(prefix).\(key.string ?? "")", key,
                    "unknown key or condition (conditions: \(Self.conditionKeys.joined(separator: ", ")))")
            }
            let target = self.target(mapping, prefix: prefix, node: item)
            let conditionNodes = Self.conditionKeys.compactMap { key in mapping[key].map { (key, $0) } }
            guard conditionNodes.count == 1, let (conditionKey, conditionNode) = conditionNodes.first else {
                issue(
                    prefix, item,
                    conditionNodes.isEmpty
                        ? "has no condition (one of \(Self.conditionKeys.joined(separator: ", ")))"
                        : "has \(conditionNodes.count) conditions (\(conditionNodes.map(\.0).joined(separator: ", "))); give one per rule"
                )
                continue
            }
            let condition = self.condition(conditionKey, conditionNode, prefix: "\(prefix).\(conditionKey)")
            if let target, condition != nil {
                let fits: Bool
                switch target {
                case .flows: fits = Self.flowConditions.contains(conditionKey)
                case .agents: fits = conditionKey == "agent_offline"
                case .tenant: fits = conditionKey == "billing_usage"
                }
                if !fits {
                    issue(
                        "\(prefix).\(conditionKey)", conditionNode,
                        "does not apply to \(target.kind.rawValue) targets (agents take agent_offline, the tenant billing_usage, flows the rest)"
                    )
                }
            }
            var severity = SLASeverity.warning
            if let node = mapping["severity"], let text = scalar(node) {
                if let parsed = SLASeverity(rawValue: text) {
                    severity = parsed
                } else {
                    issue("\(prefix).severity", node, "'\(text)' must be critical, warning or info")
                }
            }
            let holdFor = mapping["for"].flatMap { duration($0, key: "\(prefix).for", minimum: 0) } ?? 0
            let labels = stringMap(mapping["labels"], key: "\(prefix).labels", labelNames: true)
            let annotations = stringMap(mapping["annotations"], key: "\(prefix).annotations", labelNames: false)
            var export = SLARule.Export.full
            if let node = mapping["export"], let text = scalar(node) {
                if let parsed = SLARule.Export(rawValue: text) {
                    export = parsed
                } else {
                    issue("\(prefix).export", node, "'\(text)' must be full or breach_only")
                }
            }
            // Which watched tenants the rule judges (`etlworks.tenants`): ids or name patterns.
            var tenants: [Glob] = []
            if let node = mapping["tenants"] {
                tenants = globs(node, key: "\(prefix).tenants")
                if tenants.isEmpty { issue("\(prefix).tenants", node, "must list tenant ids or name patterns") }
            }
            if let target, let condition, !name.isEmpty {
                var rule = SLARule(
                    name: name, target: target, condition: condition, severity: severity, holdFor: holdFor,
                    labels: labels, annotations: annotations)
                rule.export = export
                rule.tenants = tenants
                rules.append(rule)
            }
        }
        return rules
    }

    private mutating func target(_ mapping: Node.Mapping, prefix: String, node: Node) -> SLATargetSelector? {
        let given = ["flows", "agents", "tenant"].filter { mapping[$0] != nil }
        guard given.count <= 1 else {
            issue(prefix, node, "names \(given.joined(separator: " and ")); give one target")
            return nil
        }
        if let agents = mapping["agents"] {
            guard let entries = agents.mapping else {
                issue("\(prefix).agents", agents, "must be a mapping such as {names: [\"*\"]}")
                return nil
            }
            for (key, _) in entries where key.string != "names" {
                issue("\(prefix).agents.\(key.string ?? "")", key, "unknown key (expected names)")
            }
            let patterns = entries["names"].map { globs($0, key: "\(prefix).agents.names") } ?? [try! Glob("*")]
            return .agents(patterns)
        }
        if let tenant = mapping["tenant"] {
            guard scalar(tenant) == "true" else {
                issue("\(prefix).tenant", tenant, "must be true")
                return nil
            }
            return .tenant
        }
        guard let flows = mapping["flows"], !isNull(flows) else { return .flows(FlowSelector()) }
        return flowSelector(flows, key: "\(prefix).flows").map { .flows($0) }
    }

    /// A flow selector `{ids, names, tags}` (SLA targets, `metrics.flows.include`/`exclude`).
    package mutating func flowSelector(_ node: Node, key: String) -> FlowSelector? {
        var selector = FlowSelector()
        guard let entries = node.mapping else {
            issue(key, node, "must be a mapping of ids, names, tags and kinds")
            return nil
        }
        for (entry, value) in entries {
            let sub = "\(key).\(entry.string ?? "")"
            switch entry.string {
            case "ids":
                for item in list(value, key: sub) {
                    if let text = scalar(item), let id = Int64(text) {
                        selector.ids.insert(id)
                    } else {
                        issue(sub, item, "'\(scalar(item) ?? "")' is not a flow id")
                    }
                }
            case "names": selector.names = globs(value, key: sub)
            case "tags": selector.tags = Set(list(value, key: sub).compactMap { scalar($0) })
            case "kinds":
                for item in list(value, key: sub) {
                    if let text = scalar(item), let kind = FlowKind(rawValue: text) {
                        selector.kinds.insert(kind)
                    } else {
                        issue(sub, item, "'\(scalar(item) ?? "")' is not a flow kind (streaming, scheduled, unscheduled)")
                    }
                }
            default: issue(sub, entry, "unknown key (expected ids, names, tags, kinds)")
            }
        }
        return selector
    }

    private mutating func condition(_ key: String, _ node: Node, prefix: String) -> SLACondition? {
        switch key {
        case "max_duration":
            if scalar(node) == "schedule" { return .maxDuration(seconds: nil) }
            return duration(node, key: prefix, minimum: 1).map { .maxDuration(seconds: $0) }
        case "max_since_success":
            return duration(node, key: prefix, minimum: 1).map { .maxSinceSuccess(seconds: $0) }
        case "max_queued":
            return duration(node, key: prefix, minimum: 1).map { .maxQueued(seconds: $0) }
        case "consecutive_failures":
            guard let text = scalar(node), let count = Int(text), count >= 1, count <= 10_000 else {
                issue(prefix, node, "must be a whole number from 1 to 10000")
                return nil
            }
            return .consecutiveFailures(count)
        default:
            break
        }
        let allowed: [String: Set<String>] = [
            "duration_percentile": ["p", "max", "window"], "error_rate": ["max", "window", "min_runs"],
            "missed_schedule": ["grace", "strict"], "agent_offline": ["for"], "billing_usage": ["max_ratio", "period"],
            "objective": ["target", "window", "min_runs"], "stream_latency": ["max"], "stream_stalled": ["for"],
            "deadline": ["at", "after", "timezone", "days", "holidays"]
        ]
        guard let fields = node.mapping else {
            issue(prefix, node, "must be a mapping of \(allowed[key, default: []].sorted().joined(separator: ", "))")
            return nil
        }
        for (field, _) in fields where !allowed[key, default: []].contains(field.string ?? "") {
            issue(
                "\(prefix).\(field.string ?? "")", field,
                "unknown key (expected \(allowed[key, default: []].sorted().joined(separator: ", ")))")
        }
        func required(_ name: String) -> Node? {
            if let value = fields[name] { return value }
            issue("\(prefix).\(name)", node, "is required")
            return nil
        }
        func window(default seconds: Double) -> Double? {
            guard let node = fields["window"] else {
                windows.append(("\(prefix).window", node.mark?.line, seconds))
                return seconds
            }
            guard let value = duration(node, key: "\(prefix).window", minimum: 1) else { return nil }
            windows.append(("\(prefix).window", node.mark?.line, value))
            return value
        }
        func minimumRuns() -> Int {
            guard let node = fields["min_runs"] else { return 1 }
            if let text = scalar(node), let count = Int(text), count >= 1 { return count }
            issue("\(prefix).min_runs", node, "must be a whole number of at least 1")
            return 1
        }
        switch key {
        case "duration_percentile":
            let p = required("p").flatMap { number($0, key: "\(prefix).p", open: 0...1, inclusive: false) }
            let max = required("max").flatMap { duration($0, key: "\(prefix).max", minimum: 0.001) }
            let window = window(default: 86400)
            guard let p, let max, let window else { return nil }
            return .durationPercentile(p: p, max: max, window: window)
        case "error_rate":
            let max = required("max").flatMap { number($0, key: "\(prefix).max", open: 0...1, inclusive: true) }
            let window = window(default: 86400)
            let minRuns = minimumRuns()
            guard let max, let window else { return nil }
            return .errorRate(max: max, window: window, minRuns: minRuns)
        case "missed_schedule":
            let grace = fields["grace"].map { duration($0, key: "\(prefix).grace", minimum: 0) } ?? 300
            let strict = fields["strict"].map { boolean($0, key: "\(prefix).strict") ?? false } ?? false
            return grace.map { .missedSchedule(grace: $0, strict: strict) }
        case "agent_offline":
            let hold = fields["for"].map { duration($0, key: "\(prefix).for", minimum: 0) } ?? 0
            return hold.map { .agentOffline(for: $0) }
        case "billing_usage":
            let ratio = fields["max_ratio"].map { number($0, key: "\(prefix).max_ratio", open: 0...10, inclusive: true) } ?? 0.9
            var period = SLACondition.BillingPeriod.month
            if let node = fields["period"] {
                if let parsed = scalar(node).flatMap(SLACondition.BillingPeriod.init(rawValue:)) {
                    period = parsed
                } else {
                    issue("\(prefix).period", node, "'\(scalar(node) ?? "")' must be month or day")
                }
            }
            guard let ratio, ratio > 0 else {
                if ratio == 0 { issue("\(prefix).max_ratio", fields["max_ratio"], "must be above 0") }
                return nil
            }
            return .billingUsage(maxRatio: ratio, period: period)
        case "objective":
            let target = required("target").flatMap { number($0, key: "\(prefix).target", open: 0...1, inclusive: false) }
            let window = window(default: 30 * 86400)
            let minRuns = minimumRuns()
            guard let target, let window else { return nil }
            return .objective(target: target, window: window, minRuns: minRuns)
        case "deadline":
            return deadline(fields, node: node, prefix: prefix)
        case "stream_latency":
            return required("max").flatMap { duration($0, key: "\(prefix).max", minimum: 0.001) }.map {
                .streamLatency(max: $0)
            }
        case "stream_stalled":
            return required("for").flatMap { duration($0, key: "\(prefix).for", minimum: 1) }.map { .streamStalled(for: $0) }
        default:
            return nil
        }
    }

    /// `deadline: {at, after, timezone, days, holidays}`: times of day as `HH:MM`, an IANA zone,
    /// weekday names, `yyyy-MM-dd` dates.
    private mutating func deadline(_ fields: Node.Mapping, node: Node, prefix: String) -> SLACondition? {
        func time(_ name: String) -> Int? {
            guard let value = fields[name] else { return nil }
            guard let text = scalar(value), let seconds = Deadline.parseTime(text) else {
                issue("\(prefix).\(name)", value, "'\(value.string ?? "")' must be a time of day, HH:MM (24-hour)")
                return nil
            }
            return seconds
        }
        guard fields["at"] != nil else {
            issue("\(prefix).at", node, "is required")
            return nil
        }
        var valid = true
        let at = time("at")
        let after = fields["after"] == nil ? 0 : time("after")
        var deadline = Deadline(at: at ?? 0, after: after ?? 0)
        if at == nil || after == nil { valid = false }
        if let value = fields["timezone"] {
            if let name = scalar(value), let zone = TimeZone(identifier: name) {
                deadline.timeZone = zone
            } else {
                issue(
                    "\(prefix).timezone", value, "'\(value.string ?? "")' is not a time zone (an IANA name, e.g. Europe/Berlin)")
                valid = false
            }
        }
        if let value = fields["days"] {
            var days: Set<Int> = []
            for item in list(value, key: "\(prefix).days") {
                if let name = scalar(item)?.lowercased(),
                    let index = Deadline.weekdayNames.firstIndex(of: String(name.prefix(3))),
                    name.count == 3 || Self.weekdayWords.contains(name)
                {
                    days.insert(index + 1)
                } else {
                    issue(
                        "\(prefix).days", item, "'\(item.string ?? "")' is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
                    valid = false
                }
            }
            if days.isEmpty && valid {
                issue("\(prefix).days", value, "must name at least one weekday")
                valid = false
            }
            deadline.days = days
        }
        if let value = fields["holidays"] {
            for item in list(value, key: "\(prefix).holidays") {
                if let text = scalar(item), Deadline.isDate(text) {
                    deadline.holidays.insert(text)
                } else {
                    issue("\(prefix).holidays", item, "'\(item.string ?? "")' is not a date (yyyy-MM-dd)")
                    valid = false
                }
            }
        }
        return valid ? .deadline(deadline) : nil
    }

    private static let weekdayWords: Set<String> = [
        "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"
    ]

    /// Checks every rule window against the executions poll interval (a shorter window would
    /// be judged on a single poll or none).
    package mutating func checkWindows(pollInterval: Double) {
        for window in windows where window.seconds < pollInterval {
            issues.append(
                ConfigIssue(
                    key: window.key, line: window.line,
                    message:
                        "window \(DurationText.format(window.seconds)) is shorter than poll.executions (\(DurationText.format(pollInterval)))"
                ))
        }
    }

    // MARK: health

    package mutating func slaHealthPolicy(_ node: Node) -> SLAHealthPolicy {
        var policy = SLAHealthPolicy()
        if isNull(node) { return policy }
        guard let mapping = node.mapping else {
            issue("health", node, "must be a mapping of sla_critical, sla_warning, sla_info")
            return policy
        }
        for (key, value) in mapping {
            let name = "health.\(key.string ?? "")"
            guard ["sla_critical", "sla_warning", "sla_info"].contains(key.string ?? "") else {
                issue(name, key, "unknown key (expected sla_critical, sla_warning, sla_info)")
                continue
            }
            let text = scalar(value) ?? ""
            let status: HealthStatus
            switch text {
            case "fail": status = .fail
            case "warn": status = .warn
            case "ok", "pass": status = .pass
            default:
                issue(name, value, "'\(text)' must be fail, warn or ok")
                continue
            }
            switch key.string {
            case "sla_critical": policy.critical = status
            case "sla_warning": policy.warning = status
            default: policy.info = status
            }
        }
        return policy
    }
}
