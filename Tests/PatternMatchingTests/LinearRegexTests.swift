import Foundation
import Testing

@testable import PatternMatching

/// The label-regex matcher: the same answers as a backtracking engine (ICU, through
/// NSRegularExpression) on the syntax both take, in linear time where ICU takes exponential.
@Suite struct LinearRegexTests {
    static let patterns = [
        "", "a", "abc", "a|b", "a*", "a+b", "ab?c", "a{2}", "a{2,}", "a{1,3}b", "(ab)+", "(?:a|bc)*d", ".*", ".+x",
        "[a-c]+", "[^a-c]*", "[a\\-z]", "\\d+", "\\w*\\s?\\W", "\\.", "ord.*", "(a|ab)(c|bcd)(d*)", "x{0,2}y", "[\\d_]+",
        "(?i)abc", "a.c", "^ab$", "(a*)*b", "a+?b", "€+", "[α-ω]+"
    ]

    @Test func answersAsABacktrackingEngineDoes() throws {
        var random = SystemRandomNumberGenerator()
        // ASCII letters only: \w and \d are ASCII here, as in RE2 (Prometheus), and Unicode in ICU.
        let alphabet = Array("abcdxyz_.-19 \nABC€]{},".unicodeScalars)
        var inputs = ["", "a", "ab", "abc", "aab", "abcd", "ABC", "orders", "x", "xxy", "a\nc", "axc", "]a", "αω", "aaaaaa"]
        for _ in 0..<300 {
            inputs.append(
                String(
                    String.UnicodeScalarView(
                        (0..<Int.random(in: 0...8, using: &random)).map { _ in
                            alphabet.randomElement(using: &random)!
                        })))
        }
        for pattern in Self.patterns {
            let linear = try LinearRegex(pattern)
            // \A…\z: ICU's $ also matches before a final newline; RE2's (Prometheus') does not.
            let icu = try NSRegularExpression(pattern: "\\A(?:" + pattern + ")\\z")
            for input in inputs {
                let expected = icu.firstMatch(in: input, range: NSRange(input.startIndex..., in: input)) != nil
                #expect(linear.matches(input) == expected, "/\(pattern)/ on \(input.debugDescription)")
            }
        }
    }

    /// `(.+.+)+#` against 30 letters: ICU backtracks for minutes; the VM counts its steps, and
    /// they grow linearly with the text.
    @Test func aCatastrophicPatternCostsLinearSteps() throws {
        let regex = try LinearRegex("(.+.+)+#")
        func cost(_ length: Int) -> Int {
            var steps = Int.max
            #expect(regex.matches(String(repeating: "a", count: length), steps: &steps) == false)
            return Int.max - steps
        }
        #expect(cost(30) < 1_000)
        #expect(Double(cost(6_000)) <= Double(cost(3_000)) * 2.1, "twice the text, twice the steps")
        var budget = 50
        #expect(regex.matches(String(repeating: "a", count: 100), steps: &budget) == nil, "the budget runs out")
    }

    /// `(?:(?:(?:|){1000}){9}.)*` keeps one thread alive but walks some 18,000 epsilon moves
    /// per character; it was charged like `(?:.)*`. Every instruction visited now counts.
    @Test func theBudgetChargesEveryInstructionTheClosureVisits() throws {
        let evil = try LinearRegex("(?:(?:(?:|){1000}){9}.)*")
        let plain = try LinearRegex("(?:.)*")
        func cost(_ regex: LinearRegex) -> Int {
            var steps = Int.max
            #expect(regex.matches(String(repeating: "a", count: 20), steps: &steps) == true)
            return Int.max - steps
        }
        #expect(cost(evil) >= 20 * 18_000, "\(cost(evil)) steps charged for 20 characters")
        #expect(cost(plain) < 200)
        var budget = 100_000
        #expect(evil.matches(String(repeating: "a", count: 20), steps: &budget) == nil, "the budget runs out")
        var plenty = Int.max
        let late = evil.matches(String(repeating: "a", count: 200), steps: &plenty, until: .now)
        #expect(late == nil, "past its deadline a match gives up, within some 100,000 steps")
        #expect(Int.max - plenty < 300_000)
    }

    /// The parser and compiler recurse per group: a request could nest thousands.
    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "(", count: 100) + "a" + String(repeating: ")", count: 100)
        #expect(try LinearRegex(deep).matches("a"))
        let deeper = String(repeating: "(?:", count: 5_000) + "a" + String(repeating: ")", count: 5_000)
        #expect(throws: LinearRegex.SyntaxError.self) { try LinearRegex(deeper) }
        #expect(try LinearRegex("a*?").matches("aa"))
        #expect(throws: LinearRegex.SyntaxError.self) { try LinearRegex("a" + String(repeating: "*", count: 5_000)) }
    }

    @Test func refusesWhatItCannotRunInLinearTime() {
        for pattern in ["(", "a)", "[a", "*a", "\\1", "(?=a)", "(?<!a)b", "[[:alpha:]]", "(x{1000}){1000}", "a{1001}", "\\"] {
            #expect(throws: LinearRegex.SyntaxError.self, "\(pattern)") { try LinearRegex(pattern) }
        }
    }
}
