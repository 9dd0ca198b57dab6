/// A regular expression matched in time linear in the input (Thompson's construction run as a
/// Pike VM, as RE2 and so Prometheus do), so that a query's `=~` cannot pin a core: the
/// backtracking matchers (ICU's, Swift's) take exponential time on `(.+.+)+#`.
///
/// The syntax is RE2's, less what needs backtracking: literals and escapes (`\.`, `\d`, `\w`,
/// `\s` and their negations, `\t`, `\n`, `\r`), `.` (not a newline), classes (`[a-z_]`,
/// `[^…]`), groups (`(…)`, `(?:…)`, `(?P<name>…)`), `|`, `*`, `+`, `?`, `{n}`, `{n,}`,
/// `{n,m}` (lazy forms too: they match the same strings), `^`, `$` and a leading `(?i)`.
/// A match is of the whole text, as PromQL anchors label regexes.
public struct LinearRegex: Sendable {
    /// Why a pattern was refused.
    public struct SyntaxError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The largest program a pattern may compile to: `(x{1000}){1000}` is refused, not run.
    public static let maxInstructions = 20_000
    /// The deepest nesting of groups a pattern may have: the parser and compiler recurse once
    /// per level, and a request must not be able to exhaust a thread's stack.
    static let maxDepth = 100
    /// The most quantifiers one atom may carry (`a*+?{2}…`): each is a level of nesting too.
    static let maxStackedQuantifiers = 4

    private let program: [Instruction]
    /// How often a match with a deadline reads the clock.
    static let stepsBetweenLooks = 100_000

    /// The number of instructions the pattern compiled to: what one step of a match can
    /// visit at most, and what a selector's patterns together are bounded by.
    public var size: Int { program.count }

    public init(_ pattern: String) throws(SyntaxError) {
        var parser = Parser(Array(pattern.unicodeScalars))
        let node = try parser.parse()
        var compiler = Compiler()
        try compiler.emit(node)
        compiler.program.append(.match)
        program = compiler.program
    }

    /// Whether the whole of `text` matches.
    public func matches(_ text: String) -> Bool {
        var steps = Int.max
        return matches(text, steps: &steps) ?? false
    }

    /// Whether the whole of `text` matches, counting the work done against `steps`: every
    /// instruction visited, the epsilon moves between characters included (a pattern of
    /// empty alternations walks thousands of them per character while keeping one thread
    /// alive); nil when the budget ran out first. Linear time still multiplies by the
    /// pattern's size and the number of series: a query shares one budget across them all.
    /// Past `deadline` (looked at every 100,000 steps or so) the answer is nil as well.
    public func matches(_ text: String, steps: inout Int, until deadline: ContinuousClock.Instant? = nil) -> Bool? {
        let input = Array(text.unicodeScalars)
        var nextLook = steps - Self.stepsBetweenLooks
        var current = ThreadList(size: program.count)
        var next = ThreadList(size: program.count)
        var generation = 1
        add(0, at: 0, of: input, to: &current, generation: generation, steps: &steps)
        for (position, scalar) in input.enumerated() {
            steps -= current.pcs.count + 1
            if steps < 0 { return nil }
            if let deadline, steps < nextLook {
                if ContinuousClock.now >= deadline { return nil }
                nextLook = steps - Self.stepsBetweenLooks
            }
            generation += 1
            next.clear()
            for pc in current.pcs {
                if case .scalar(let set) = program[pc], set.contains(scalar) {
                    add(pc + 1, at: position + 1, of: input, to: &next, generation: generation, steps: &steps)
                }
            }
            swap(&current, &next)
            if current.pcs.isEmpty { return steps < 0 ? nil : false }
        }
        if steps < 0 { return nil }
        return current.pcs.contains { if case .match = program[$0] { true } else { false } }
    }

    /// Adds the thread at `pc` and every one its epsilon moves reach (once per step),
    /// charging each instruction visited to `steps`.
    private func add(
        _ start: Int, at position: Int, of input: [Unicode.Scalar], to list: inout ThreadList, generation: Int,
        steps: inout Int
    ) {
        var stack = [start]
        while let pc = stack.popLast() {
            steps -= 1
            guard list.mark(pc, generation: generation) else { continue }
            switch program[pc] {
            case .jump(let target): stack.append(target)
            case .split(let first, let second): stack.append(contentsOf: [second, first])
            case .assertStart: if position == 0 { stack.append(pc + 1) }
            case .assertEnd: if position == input.count { stack.append(pc + 1) }
            case .scalar, .match: list.pcs.append(pc)
            }
        }
    }

    enum Instruction: Sendable {
        case scalar(ScalarSet)
        case split(Int, Int)
        case jump(Int)
        case assertStart, assertEnd
        case match
    }

    private struct ThreadList {
        var pcs: [Int] = []
        var marks: [Int]
        init(size: Int) { marks = Array(repeating: 0, count: size) }
        mutating func clear() { pcs.removeAll(keepingCapacity: true) }
        /// True the first time `pc` is seen in this generation.
        mutating func mark(_ pc: Int, generation: Int) -> Bool {
            if marks[pc] == generation { return false }
            marks[pc] = generation
            return true
        }
    }

    /// A set of scalars: ranges, negated or not, compared folded when case-insensitive.
    struct ScalarSet: Sendable {
        var ranges: [ClosedRange<UInt32>] = []
        var negated = false
        var caseInsensitive = false

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            var found = ranges.contains { $0.contains(scalar.value) }
            if !found, caseInsensitive {
                for variant in [scalar.properties.lowercaseMapping, scalar.properties.uppercaseMapping]
                where variant.unicodeScalars.count == 1 {
                    let value = variant.unicodeScalars.first!.value
                    if ranges.contains(where: { $0.contains(value) }) { found = true }
                }
            }
            return found != negated
        }

        static let digits = ScalarSet(ranges: [48...57])
        static let word = ScalarSet(ranges: [48...57, 65...90, 95...95, 97...122])
        static let space = ScalarSet(ranges: [9...10, 12...13, 32...32])
        static let notNewline = ScalarSet(ranges: [10...10], negated: true)
    }

    indirect enum Node {
        case empty
        case set(ScalarSet)
        case concat([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?)
        case assertStart, assertEnd
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var caseInsensitive = false
        var depth = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        func error(_ message: String) -> SyntaxError { SyntaxError(description: "\(message) at offset \(index)") }

        mutating func parse() throws(SyntaxError) -> Node {
            if scalars.starts(with: Array("(?i)".unicodeScalars)) {
                caseInsensitive = true
                index = 4
            }
            let node = try alternation()
            guard peek == nil else { throw error("unbalanced )") }
            return node
        }

        mutating func alternation() throws(SyntaxError) -> Node {
            var branches = [try concatenation()]
            while peek == "|" {
                index += 1
                branches.append(try concatenation())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func concatenation() throws(SyntaxError) -> Node {
            var items: [Node] = []
            while let scalar = peek, scalar != "|", scalar != ")" {
                var atom = try self.atom()
                var quantifiers = 0
                while let quantifier = peek, "*+?{".unicodeScalars.contains(quantifier) {
                    guard let (min, max) = try repetitionBounds() else { break }
                    quantifiers += 1
                    guard quantifiers <= LinearRegex.maxStackedQuantifiers else {
                        throw error("more than \(LinearRegex.maxStackedQuantifiers) quantifiers on one item")
                    }
                    if case .assertStart = atom { throw error("nothing to repeat") }
                    if case .assertEnd = atom { throw error("nothing to repeat") }
                    atom = .repetition(atom, min: min, max: max)
                    if peek == "?" { index += 1 } // lazy: the same strings match
                }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : items.isEmpty ? .empty : .concat(items)
        }

        /// The bounds of a quantifier at `index`, or nil for a `{` that is a literal.
        mutating func repetitionBounds() throws(SyntaxError) -> (Int, Int?)? {
            let scalar = scalars[index]
            switch scalar {
            case "*": index += 1; return (0, nil)
            case "+": index += 1; return (1, nil)
            case "?": index += 1; return (0, 1)
            default:
                var cursor = index + 1
                func number() -> Int? {
                    var value: Int?
                    while cursor < scalars.count, let digit = Int(String(scalars[cursor])), digit >= 0, digit <= 9 {
                        value = Swift.min((value ?? 0) * 10 + digit, 1001)
                        cursor += 1
                    }
                    return value
                }
                guard let min = number() else { return nil }
                var max: Int? = min
                if cursor < scalars.count, scalars[cursor] == "," {
                    cursor += 1
                    max = number()
                }
                guard cursor < scalars.count, scalars[cursor] == "}" else { return nil }
                index = cursor + 1
                guard min <= 1000, (max ?? 0) <= 1000 else { throw error("repetition count above 1000") }
                if let max, max < min { throw error("invalid repetition {\(min),\(max)}") }
                return (min, max)
            }
        }

        mutating func atom() throws(SyntaxError) -> Node {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "(":
                if peek == "?" {
                    let rest = String(String.UnicodeScalarView(scalars[index...].prefix(3)))
                    if rest.hasPrefix("?:") {
                        index += 2
                    } else if rest.hasPrefix("?P<") || rest.hasPrefix("?<") {
                        while let name = peek, name != ">" { index += 1 }
                        guard peek == ">" else { throw error("unterminated group name") }
                        index += 1
                    } else {
                        throw error("unsupported group (?\(rest.dropFirst().prefix(1))")
                    }
                }
                depth += 1
                guard depth <= LinearRegex.maxDepth else { throw error("groups nested deeper than \(LinearRegex.maxDepth)") }
                let inner = try alternation()
                depth -= 1
                guard peek == ")" else { throw error("missing )") }
                index += 1
                return inner
            case ".": return .set(.notNewline)
            case "^": return .assertStart
            case "$": return .assertEnd
            case "[": return .set(try characterClass())
            case "\\": return .set(try escape(inClass: false))
            case "*", "+", "?": throw error("nothing to repeat")
            default: return .set(literal(scalar))
            }
        }

        func literal(_ scalar: Unicode.Scalar) -> ScalarSet {
            ScalarSet(ranges: [scalar.value...scalar.value], caseInsensitive: caseInsensitive)
        }

        mutating func escape(inClass: Bool) throws(SyntaxError) -> ScalarSet {
            guard let scalar = peek else { throw error("trailing backslash") }
            index += 1
            switch scalar {
            case "d": return .digits
            case "D": return ScalarSet(ranges: ScalarSet.digits.ranges, negated: true)
            case "w": return .word
            case "W": return ScalarSet(ranges: ScalarSet.word.ranges, negated: true)
            case "s": return .space
            case "S": return ScalarSet(ranges: ScalarSet.space.ranges, negated: true)
            case "t": return literal("\t")
            case "n": return literal("\n")
            case "r": return literal("\r")
            default:
                if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                    throw error("unsupported escape \\\(scalar)")
                }
                return literal(scalar)
            }
        }

        mutating func characterClass() throws(SyntaxError) -> ScalarSet {
            var set = ScalarSet(caseInsensitive: caseInsensitive)
            if peek == "^" {
                set.negated = true
                index += 1
            }
            var first = true
            while let scalar = peek, scalar != "]" || first {
                first = false
                index += 1
                var low: UInt32
                if scalar == "\\" {
                    let escaped = try escape(inClass: true)
                    guard escaped.ranges.count == 1, !escaped.negated, escaped.ranges[0].count == 1 else {
                        guard !escaped.negated else { throw error("negated escape inside a class") }
                        set.ranges += escaped.ranges
                        continue
                    }
                    low = escaped.ranges[0].lowerBound
                } else {
                    if scalar == "[", peek == ":" { throw error("POSIX classes are not supported") }
                    low = scalar.value
                }
                var high = low
                if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    let end = scalars[index]
                    index += 1
                    if end == "\\" {
                        let escaped = try escape(inClass: true)
                        guard escaped.ranges.count == 1, escaped.ranges[0].count == 1 else { throw error("invalid range") }
                        high = escaped.ranges[0].lowerBound
                    } else {
                        high = end.value
                    }
                    guard low <= high else { throw error("invalid range") }
                }
                set.ranges.append(low...high)
            }
            guard peek == "]" else { throw error("missing ]") }
            index += 1
            return set
        }
    }

    private struct Compiler {
        var program: [Instruction] = []

        mutating func emit(_ node: Node) throws(SyntaxError) {
            guard program.count < LinearRegex.maxInstructions else {
                throw SyntaxError(description: "pattern too large (over \(LinearRegex.maxInstructions) steps)")
            }
            switch node {
            case .empty: break
            case .set(let set): program.append(.scalar(set))
            case .assertStart: program.append(.assertStart)
            case .assertEnd: program.append(.assertEnd)
            case .concat(let items): for item in items { try emit(item) }
            case .alternation(let branches):
                var jumps: [Int] = []
                for (offset, branch) in branches.enumerated() {
                    if offset < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, -1))
                        try emit(branch)
                        jumps.append(program.count)
                        program.append(.jump(-1))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repetition(let body, let min, let max):
                for _ in 0..<min { try emit(body) }
                if let max {
                    var splits: [Int] = []
                    for _ in min..<max {
                        splits.append(program.count)
                        program.append(.split(program.count + 1, -1))
                        try emit(body)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    program.append(.split(loop + 1, -1))
                    try emit(body)
                    program.append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}
