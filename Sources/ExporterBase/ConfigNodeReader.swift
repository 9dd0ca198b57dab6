import Foundation
import Yams

/// Reads typed values out of configuration YAML nodes, after `${VAR}` expansion, collecting
/// every problem with its key and line. Feature targets extend it with their own sections
/// (`sla:`, `notifications:`, `health:`), so all sections share one reading of values.
public struct ConfigNodeReader {
    /// The outcome of expanding `${VAR}` in a value.
    public enum Expansion: Equatable, Sendable {
        case value(String)
        case problem(String)
    }

    /// `${VAR}` expansion, shared with the rest of the configuration.
    package let expand: (String) -> Expansion
    /// Every problem found so far.
    package var issues: [ConfigIssue] = []
    /// Windows to check against the executions poll interval once it is known.
    package var windows: [(key: String, line: Int?, seconds: Double)] = []

    package init(expand: @escaping (String) -> Expansion) {
        self.expand = expand
    }

    package mutating func issue(_ key: String, _ node: Node?, _ message: String) {
        issues.append(ConfigIssue(key: key, line: node?.mark?.line, message: message))
    }

    package func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node { return scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" }
        return false
    }

    /// A scalar after `${VAR}` expansion; nil (with an issue) for anything else.
    package mutating func scalar(_ node: Node) -> String? {
        guard case .scalar(let scalar) = node else { return nil }
        switch expand(scalar.string) {
        case .value(let text): return text
        case .problem(let message):
            issue("(value)", node, message)
            return nil
        }
    }

    package mutating func list(_ node: Node, key: String) -> [Node] {
        if case .sequence(let sequence) = node { return Array(sequence) }
        if case .scalar = node, !isNull(node) { return [node] }
        issue(key, node, "must be a list")
        return []
    }

    package mutating func globs(_ node: Node, key: String) -> [Glob] {
        list(node, key: key).compactMap { item -> Glob? in
            guard let text = scalar(item) else {
                issue(key, item, "must be a list of name patterns")
                return nil
            }
            do { return try Glob(text) } catch {
                issue(key, item, String(describing: error))
                return nil
            }
        }
    }

    /// `true` or `false`; nil (with an issue) for anything else.
    package mutating func boolean(_ node: Node, key: String) -> Bool? {
        switch scalar(node) {
        case "true": return true
        case "false": return false
        default:
            issue(key, node, "'\(node.string ?? "")' must be true or false")
            return nil
        }
    }

    package mutating func duration(_ node: Node, key: String, minimum: Double) -> Double? {
        guard let text = scalar(node), let seconds = DurationText.seconds(text) else {
            issue(key, node, "'\(node.string ?? "")' is not a duration (use e.g. 30s, 5m, 1h, 7d)")
            return nil
        }
        guard seconds >= minimum, seconds <= 10 * 365 * 86400 else {
            issue(key, node, "\(text) must be at least \(DurationText.format(minimum)) and at most 10y")
            return nil
        }
        return seconds
    }

    package mutating func number(_ node: Node, key: String, open range: ClosedRange<Double>, inclusive: Bool) -> Double? {
        guard let text = scalar(node), let value = Double(text), value.isFinite else {
            issue(key, node, "'\(node.string ?? "")' is not a number")
            return nil
        }
        let inside = inclusive ? range.contains(value) : value > range.lowerBound && value < range.upperBound
        guard inside else {
            let bounds = inclusive ? "[\(range.lowerBound), \(range.upperBound)]" : "(\(range.lowerBound), \(range.upperBound))"
            issue(key, node, "\(text) is outside \(bounds)")
            return nil
        }
        return value
    }

    package mutating func url(_ node: Node?, key: String, parent: Node) -> URL? {
        guard let node else {
            issue(key, parent, "is required")
            return nil
        }
        guard let text = scalar(node), let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            ["http", "https"].contains(scheme), url.host?.isEmpty == false
        else {
            issue(key, node, "is not an http(s) URL")
            return nil
        }
        return url
    }

    package mutating func stringMap(_ node: Node?, key: String, labelNames: Bool) -> [String: String] {
        guard let node, !isNull(node) else { return [:] }
        guard let mapping = node.mapping else {
            issue(key, node, "must be a mapping of names to values")
            return [:]
        }
        var result: [String: String] = [:]
        for (name, value) in mapping {
            let text = name.string ?? ""
            if labelNames,
                text.isEmpty || text.first!.isNumber
                    || !text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            {
                issue("\(key).\(text)", name, "'\(text)' is not a valid label name")
                continue
            }
            result[text] = scalar(value) ?? ""
        }
        return result
    }
}
