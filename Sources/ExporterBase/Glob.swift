/// A shell-style name pattern: `*` any run of characters, `?` one character, `[abc]`,
/// `[a-z]` and `[!abc]` one character of (or not of) a set, `\x` a literal `x`. The whole
/// name must match. Used by SLA targets (`names: ["orders*"]`).
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    enum Token: Sendable, Equatable {
        case literal(Character)
        case any
        case anyRun
        case set([ClosedRange<Character>], negated: Bool)
    }

    public let description: String
    let tokens: [Token]

    /// Parses a pattern; throws a message naming the problem (an unclosed `[`, a trailing `\`).
    public init(_ pattern: String) throws(GlobError) {
        description = pattern
        var tokens: [Token] = []
        var characters = Array(pattern)[...]
        while let character = characters.popFirst() {
            switch character {
            case "*":
                if tokens.last != .anyRun { tokens.append(.anyRun) }
            case "?":
                tokens.append(.any)
            case "\\":
                guard let escaped = characters.popFirst() else {
                    throw GlobError(pattern: pattern, problem: "ends with a lone \\")
                }
                tokens.append(.literal(escaped))
            case "[":
                var negated = false
                if characters.first == "!" || characters.first == "^" {
                    negated = true
                    characters.removeFirst()
                }
                var ranges: [ClosedRange<Character>] = []
                var closed = false
                var first = true
                while let member = characters.popFirst() {
                    if member == "]" && !first {
                        closed = true
                        break
                    }
                    first = false
                    var low = member
                    if low == "\\" {
                        guard let escaped = characters.popFirst() else { break }
                        low = escaped
                    }
                    if characters.first == "-", characters.dropFirst().first.map({ $0 != "]" }) == true {
                        characters.removeFirst()
                        let high = characters.removeFirst()
                        guard low <= high else {
                            throw GlobError(pattern: pattern, problem: "range \(low)-\(high) is reversed")
                        }
                        ranges.append(low...high)
                    } else {
                        ranges.append(low...low)
                    }
                }
                guard closed else { throw GlobError(pattern: pattern, problem: "has a [ without its closing ]") }
                tokens.append(.set(ranges, negated: negated))
            default:
                tokens.append(.literal(character))
            }
        }
        self.tokens = tokens
    }

    /// Whether the whole of `name` matches. Iterative with one backtrack point per `*`, so a
    /// hostile name cannot make matching exponential.
    public func matches(_ name: String) -> Bool {
        let text = Array(name)
        var t = 0, p = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < tokens.count {
                switch tokens[p] {
                case .anyRun:
                    starP = p
                    starT = t
                    p += 1
                    continue
                case .any:
                    t += 1; p += 1
                    continue
                case .literal(let character) where character == text[t]:
                    t += 1; p += 1
                    continue
                case .set(let ranges, let negated) where ranges.contains { $0.contains(text[t]) } != negated:
                    t += 1; p += 1
                    continue
                default:
                    break
                }
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starT += 1
            t = starT
        }
        while p < tokens.count, tokens[p] == .anyRun { p += 1 }
        return p == tokens.count
    }
}

public struct GlobError: Error, Sendable, Equatable, CustomStringConvertible {
    public var pattern: String
    public var problem: String
    public var description: String { "glob '\(pattern)' \(problem)" }
}
