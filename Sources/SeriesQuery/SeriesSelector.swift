import Foundation
import PatternMatching
import Store

/// A PromQL-style series selector: `name{label="value", label!="value", label=~"regex",
/// label!~"regex"}`. Regexes are anchored at both ends, as in PromQL.
public struct SeriesSelector: Sendable, Equatable {
    public enum Operator: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case matches = "=~"
        case notMatches = "!~"
    }

    public struct Matcher: Sendable, Equatable {
        public var label: String
        public var op: Operator
        public var value: String
    }

    public var name: String
    public var matchers: [Matcher]

    /// What is wrong with a selector, and where.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses `text`; the error names the offending position.
    public static func parse(_ text: String) throws(ParseError) -> SeriesSelector {
        var scanner = Scanner(Array(text.unicodeScalars))
        scanner.skipSpaces()
        let name = scanner.identifier(allowColon: true)
        guard !name.isEmpty else { throw scanner.error("expected a metric name") }
        var matchers: [Matcher] = []
        var regexes = 0
        var instructions = 0
        scanner.skipSpaces()
        if scanner.take("{") {
            scanner.skipSpaces()
            while !scanner.take("}") {
                let label = scanner.identifier(allowColon: false)
                guard !label.isEmpty else { throw scanner.error("expected a label name") }
                scanner.skipSpaces()
                let op: Operator
                if scanner.take("=~") {
                    op = .matches
                } else if scanner.take("!~") {
                    op = .notMatches
                } else if scanner.take("!=") {
                    op = .notEqual
                } else if scanner.take("=") {
                    op = .equal
                } else {
                    throw scanner.error("expected =, !=, =~ or !~ after label \(label)")
                }
                scanner.skipSpaces()
                guard let value = scanner.quoted() else { throw scanner.error("expected a quoted value for label \(label)") }
                if op == .matches || op == .notMatches {
                    regexes += 1
                    guard regexes <= maxRegexMatchers else {
                        throw ParseError(message: "more than \(maxRegexMatchers) regular expression matchers in one selector")
                    }
                    do { instructions += try LinearRegex(value).size } catch {
                        throw ParseError(message: "label \(label): invalid regular expression \"\(value)\": \(error)")
                    }
                    guard instructions <= LinearRegex.maxInstructions else {
                        throw ParseError(
                            message:
                                "its regular expressions compile to more than \(LinearRegex.maxInstructions) steps together; simplify them"
                        )
                    }
                }
                matchers.append(Matcher(label: label, op: op, value: value))
                scanner.skipSpaces()
                if scanner.take(",") { scanner.skipSpaces(); continue }
                guard scanner.peek == "}" else { throw scanner.error("expected , or }") }
            }
        }
        scanner.skipSpaces()
        guard scanner.atEnd else { throw scanner.error("unexpected text") }
        return SeriesSelector(name: name, matchers: matchers)
    }

    /// How many regex steps (instructions visited) one query may spend matching labels:
    /// about a tenth of a second in a release build, and some 50 times what a pattern over
    /// the names of 2,000 flows takes.
    public static let regexStepBudget = 10_000_000
    /// And how long, whatever the build: a step costs ten times as much in a debug build.
    public static let regexTimeBudget = Duration.milliseconds(500)
    /// Regex matchers one selector may hold: each compiles a program of its own, and the
    /// request line alone bounded their number.
    public static let maxRegexMatchers = 8

    /// A matcher set ready to test labels; regexes compiled once. The test answers nil once
    /// the regexes have spent `steps` (shared by every call), so that a costly pattern over
    /// many series is refused instead of pinning a core.
    public func compiled(
        steps: Int = SeriesSelector.regexStepBudget, time: Duration = SeriesSelector.regexTimeBudget
    ) -> (_ labels: [SeriesLabel]) -> Bool? {
        let budget = StepBudget(steps)
        let deadline = ContinuousClock.now + time
        let tests: [(String, (String) -> Bool?)] = matchers.map { matcher in
            let value = matcher.value
            switch matcher.op {
            case .equal: return (matcher.label, { $0 == value })
            case .notEqual: return (matcher.label, { $0 != value })
            case .matches, .notMatches:
                // Parsing validated the pattern.
                let regex = try? LinearRegex(value)
                let wanted = matcher.op == .matches
                return (
                    matcher.label,
                    { text in regex?.matches(text, steps: &budget.remaining, until: deadline).map { $0 == wanted } }
                )
            }
        }
        return { labels in
            for (label, test) in tests {
                // An absent label has the empty value, as in PromQL.
                guard let passed = test(labels.first { $0.name == label }?.value ?? "") else { return nil }
                if !passed { return false }
            }
            return true
        }
    }
}

extension SeriesSelector: SeriesFilter {
    public var metricName: String { name }

    public var requiredLabels: [SeriesLabel] {
        matchers.filter { $0.op == .equal && $0.label != "flow_name" }.map { SeriesLabel($0.label, $0.value) }
    }

    public func labelTest() -> (_ labels: [SeriesLabel]) -> Bool? { compiled() }

    public var budgetExhaustedMessage: String {
        "its regular expressions need more than \(Self.regexStepBudget) steps or \(Self.regexTimeBudget) over these series; narrow it"
    }
}

/// The regex steps a query has left; used from one thread at a time (the reader's actor).
private final class StepBudget {
    var remaining: Int
    init(_ steps: Int) { remaining = steps }
}

/// A cursor over the selector text.
private struct Scanner {
    let scalars: [Unicode.Scalar]
    var index = 0

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var atEnd: Bool { index >= scalars.count }
    var peek: Unicode.Scalar? { atEnd ? nil : scalars[index] }

    mutating func skipSpaces() {
        while let scalar = peek, scalar == " " || scalar == "\t" || scalar == "\n" { index += 1 }
    }

    mutating func take(_ literal: String) -> Bool {
        let expected = Array(literal.unicodeScalars)
        guard index + expected.count <= scalars.count, Array(scalars[index..<index + expected.count]) == expected else {
            return false
        }
        index += expected.count
        return true
    }

    mutating func identifier(allowColon: Bool) -> String {
        var text = ""
        while let scalar = peek {
            let isLetter =
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
                || (allowColon && scalar == ":")
            let isDigit = scalar >= "0" && scalar <= "9"
            guard isLetter || (isDigit && !text.isEmpty) else { break }
            text.unicodeScalars.append(scalar)
            index += 1
        }
        return text
    }

    /// A "double" or 'single' quoted string with \\, \", \', \n and \t escapes.
    mutating func quoted() -> String? {
        guard let quote = peek, quote == "\"" || quote == "'" else { return nil }
        index += 1
        var text = ""
        while let scalar = peek {
            index += 1
            if scalar == quote { return text }
            if scalar == "\\" {
                guard let escaped = peek else { return nil }
                index += 1
                switch escaped {
                case "n": text += "\n"
                case "t": text += "\t"
                case "\\", "\"", "'": text.unicodeScalars.append(escaped)
                default: return nil
                }
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return nil
    }

    func error(_ message: String) -> SeriesSelector.ParseError {
        SeriesSelector.ParseError(message: "\(message) at position \(index + 1)")
    }
}
