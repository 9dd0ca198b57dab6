import Foundation
import Yams

/// What a configuration file's YAML may say about itself in an error. Yams' errors quote the
/// offending line (its description prints the source text around the mark), and the line
/// of a broken secret is the secret: `secret: *Wh00k…` is read as an undefined alias. So
/// an error here names the problem, the line and the key on it, never the text; and the
/// secrets a file holds are read line by line, so that they can be scrubbed from every
/// message even when the file does not parse.
public enum YAMLSyntax {
    /// Keys whose values are secrets, wherever they appear.
    public static let secretKeys: Set<String> = ["api_key", "password", "secret", "token", "value", "bearer_token"]

    /// `error` (from Yams) as an issue naming the line and the key there.
    public static func issue(_ error: any Error, in text: String, key fallback: String = "(syntax)") -> ConfigIssue {
        let (problem, line): (String, Int?)
        switch error as? YamlError {
        case .scanner(let context, let what, let mark, _), .parser(let context, let what, let mark, _),
            .composer(let context, let what, let mark, _):
            problem = context.map { "\(what) (\($0.text))" } ?? what
            line = mark.line
        case .reader(let what, let offset, _, _):
            problem = what
            line = offset.map { lineNumber(atOffset: $0, in: text) }
        case .duplicatedKeysInMapping(let duplicates, let context):
            problem = "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.sorted().joined(separator: ", "))"
            line = context.mark.line
        case .dataCouldNotBeDecoded: (problem, line) = ("the file is not UTF-8", nil)
        case .memory: (problem, line) = ("out of memory", nil)
        case .no, .writer, .emitter, .representer, nil: (problem, line) = ("cannot be read", nil)
        }
        let key = line.flatMap { keyPath(atLine: $0, in: text) } ?? fallback
        return ConfigIssue(key: key, line: line, message: "invalid YAML: \(problem)")
    }

    /// The literal values of `secretKeys` in `text`, and what `expand` makes of each (the
    /// environment's value of a `${VAR}` one), read line by line (the text need not parse).
    public static func secrets(in text: String, expand: (String) -> String?) -> [String] {
        var found: [String] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            guard let (key, rawValue) = keyAndValue(line), secretKeys.contains(key) else { continue }
            var value = rawValue.trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard !value.isEmpty else { continue }
            found.append(value)
            if let expanded = expand(value), expanded != value { found.append(expanded) }
        }
        return found
    }

    /// The dotted key path of the key on `line` (1-based), from the keys of the lines above
    /// it at smaller indentation; nil when the line holds no key.
    static func keyPath(atLine number: Int, in text: String) -> String? {
        var stack: [(indent: Int, key: String)] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            guard index < number else { break }
            guard let (key, _) = keyAndValue(line) else { continue }
            let indent = line.prefix { $0 == " " || $0 == "-" }.count
            while let last = stack.last, last.indent >= indent { stack.removeLast() }
            stack.append((indent, key))
            if index == number - 1 { return stack.map(\.key).joined(separator: ".") }
        }
        return nil
    }

    /// `key: value` on one line (a list item's `- key: value` too).
    private static func keyAndValue(_ line: Substring) -> (String, Substring)? {
        var rest = line.drop { $0 == " " || $0 == "\t" }
        if rest.hasPrefix("- ") { rest = rest.dropFirst(2).drop { $0 == " " } }
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let key = rest[..<colon]
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
            return nil
        }
        let after = rest[rest.index(after: colon)...]
        guard after.isEmpty || after.first == " " || after.first == "\t" else { return nil }
        return (String(key), after)
    }

    private static func lineNumber(atOffset offset: Int, in text: String) -> Int {
        1 + text.utf8.prefix(max(0, offset)).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }
}
