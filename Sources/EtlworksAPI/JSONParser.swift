import Foundation

/// A small JSON parser over bytes that can hand over the elements of a top-level array one
/// at a time. Decoding a day of executions then holds one flow's group as a tree, never the
/// whole document (tens of thousands of runs).
///
/// Accepts RFC 8259 JSON; duplicate keys keep the last value. Invalid input throws
/// `APIDecodingError.malformed` with the byte offset.
public struct JSONParser {
    /// The document, borrowed from the caller's `Data` for the duration of one parse (a day
    /// of executions is megabytes; it is not copied).
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// Nesting deeper than this is rejected rather than recursed into.
    private static let maxDepth = 512
    /// Records passed over unbuilt (see `forEachElement(of:expected:pruning:)`).
    private var pruning: Pruning?
    /// The ids of the records passed over.
    private var passedOver: [Int64] = []

    /// Which records of the elements' arrays to pass over: those under `arrayKey` whose
    /// `idKey` (a number or a numeric string) makes `skip` true.
    public struct Pruning {
        let arrayKey: [UInt8]
        let idKey: [UInt8]
        let skip: (Int64) -> Bool

        public init(arrayKey: String, idKey: String, skip: @escaping (Int64) -> Bool) {
            self.arrayKey = Array(arrayKey.utf8)
            self.idKey = Array(idKey.utf8)
            self.skip = skip
        }
    }

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses a whole document.
    public static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            var parser = JSONParser(raw.bindMemory(to: UInt8.self))
            let value = try parser.parseValue(depth: 0)
            try parser.expectEnd()
            return value
        }
    }

    /// `forEachElement`, passing over the records `pruning` names without building them: a
    /// record is scanned for its id without allocating, and built only when it is kept. A day
    /// of executions is mostly runs already stored as final; this is most of a poll's work.
    /// Returns the ids of the records passed over.
    public static func forEachElement(
        of data: Data, expected: String, pruning: Pruning, _ body: (JSONValue) throws -> Void
    ) throws -> [Int64] {
        try data.withUnsafeBytes { raw in
            var parser = JSONParser(raw.bindMemory(to: UInt8.self))
            parser.pruning = pruning
            try parser.forEachElement(expected: expected, body)
            return parser.passedOver
        }
    }

    /// Calls `body` with each element of a top-level array in turn. Throws `unexpectedShape`
    /// when the document is not an array, and `malformed` when it is not JSON (after the
    /// elements before the fault were handed over).
    public static func forEachElement(of data: Data, expected: String, _ body: (JSONValue) throws -> Void) throws {
        try data.withUnsafeBytes { raw in
            var parser = JSONParser(raw.bindMemory(to: UInt8.self))
            try parser.forEachElement(expected: expected, body)
        }
    }

    private mutating func forEachElement(expected: String, _ body: (JSONValue) throws -> Void) throws {
        var parser = self
        defer { self = parser }
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "[") else {
            _ = try parser.parseValue(depth: 0)
            throw APIDecodingError.unexpectedShape(expected: expected)
        }
        parser.index += 1
        parser.skipWhitespace()
        if parser.peek() == UInt8(ascii: "]") {
            parser.index += 1
            try parser.expectEnd()
            return
        }
        while true {
            try body(try parser.parseValue(depth: 1))
            parser.skipWhitespace()
            switch parser.next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"):
                try parser.expectEnd()
                return
            default:
                throw parser.failure("expected ',' or ']' in array")
            }
        }
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw failure("nesting too deep") }
        skipWhitespace()
        guard let byte = peek() else { throw failure("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected character")
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard next() == UInt8(ascii: ":") else { throw failure("expected ':' after key") }
            skipWhitespace()
            if depth == 1, let pruning, peek() == UInt8(ascii: "["), key.utf8.elementsEqual(pruning.arrayKey) {
                members[key] = try parseArray(depth: depth + 1, pruned: true)
            } else {
                members[key] = try parseValue(depth: depth + 1)
            }
            skipWhitespace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return .object(members)
            default: throw failure("expected ',' or '}' in object")
            }
        }
    }

    /// An array; with `pruned`, object elements are first scanned for their id, and those
    /// `pruning` skips are passed over.
    private mutating func parseArray(depth: Int, pruned: Bool = false) throws -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            let start = index
            if pruned, peek() == UInt8(ascii: "{"), let id = try scanObjectForId(depth: depth + 1), pruning?.skip(id) == true {
                passedOver.append(id)
            } else {
                index = start
                elements.append(try parseValue(depth: depth + 1))
            }
            skipWhitespace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return .array(elements)
            default: throw failure("expected ',' or ']' in array")
            }
        }
    }

    /// Steps over an object, returning the value of its id key when it is an integer or a
    /// numeric string. Nothing is allocated.
    private mutating func scanObjectForId(depth: Int) throws -> Int64? {
        index += 1
        var id: Int64?
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return nil
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try skipString()
            skipWhitespace()
            guard next() == UInt8(ascii: ":") else { throw failure("expected ':' after key") }
            skipWhitespace()
            let valueStart = index
            try skipValue(depth: depth + 1)
            if bytes[key].elementsEqual(pruning!.idKey) {
                var slice = bytes[valueStart..<index]
                if slice.first == UInt8(ascii: "\""), slice.count >= 2 { slice = slice.dropFirst().dropLast() }
                id = Self.integer(slice)
            }
            skipWhitespace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return id
            default: throw failure("expected ',' or '}' in object")
            }
        }
    }

    /// Decimal digits with an optional minus sign, as an Int64 (nil for anything else).
    private static func integer(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> Int64? {
        var value: Int64 = 0
        var negative = false
        var rest = digits[...]
        if rest.first == UInt8(ascii: "-") {
            negative = true
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty, rest.count <= 18 else { return nil }
        for byte in rest {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }

    /// Steps over any value without building it.
    private mutating func skipValue(depth: Int) throws {
        guard depth < Self.maxDepth else { throw failure("nesting too deep") }
        skipWhitespace()
        guard let byte = peek() else { throw failure("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipWhitespace()
            if peek() == close {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                if close == UInt8(ascii: "}") {
                    guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                    _ = try skipString()
                    skipWhitespace()
                    guard next() == UInt8(ascii: ":") else { throw failure("expected ':' after key") }
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                switch next() {
                case UInt8(ascii: ","): continue
                case close: return
                default: throw failure("expected ',' or a closing bracket")
                }
            }
        case UInt8(ascii: "\""): _ = try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default: throw failure("unexpected character")
        }
    }

    /// Steps over a string; returns the range of its raw bytes (escapes not decoded).
    private mutating func skipString() throws -> Range<Int> {
        index += 1
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return start..<(index - 1)
            case UInt8(ascii: "\\"): index += 2
            case 0..<0x20: throw failure("control character in string")
            default: index += 1
            }
        }
        throw failure("unterminated string")
    }

    private mutating func parseString() throws -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return try makeString(bytes[start..<index])
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("control character in string") }
            index += 1
        }
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try makeString(buffer[...])
            case UInt8(ascii: "\\"):
                guard let escape = next() else { throw failure("unterminated escape") }
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &buffer)
                default: throw failure("invalid escape")
                }
            default:
                if byte < 0x20 { throw failure("control character in string") }
                buffer.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    private func makeString<Bytes: Collection<UInt8>>(_ slice: Bytes) throws -> String {
        guard let text = String(validating: slice, as: UTF8.self) else { throw failure("invalid UTF-8 in string") }
        return text
    }

    private mutating func appendUnicodeEscape(to buffer: inout [UInt8]) throws {
        var scalar = try readHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            // A high surrogate must pair with a low one; a lone one becomes U+FFFD.
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                let save = index
                index += 2
                let low = try readHex4()
                if (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    index = save
                    scalar = 0xFFFD
                }
            } else {
                scalar = 0xFFFD
            }
        } else if (0xDC00...0xDFFF).contains(scalar) {
            scalar = 0xFFFD
        }
        buffer.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
    }

    private mutating func readHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("invalid \\u escape")
            }
            value = value * 16 + digit
        }
        return value
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        let integral = try scanNumber()
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if integral, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw failure("invalid number") }
        return .double(value)
    }

    /// Steps over a number, checking its grammar; true when it has no fraction or exponent.
    private mutating func scanNumber() throws -> Bool {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw failure("invalid number") }
        if first == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        var integral = true
        if peek() == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard skipDigits() > 0 else { throw failure("invalid number") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            integral = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw failure("invalid number") }
        }
        return integral
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index - start
    }

    // MARK: Bytes

    private mutating func expectLiteral(_ literal: String) throws {
        let expected = Array(literal.utf8)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
            throw failure("invalid literal")
        }
        index += expected.count
    }

    private mutating func expectEnd() throws {
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected data after the document") }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    private func failure(_ message: String) -> APIDecodingError {
        .malformed("\(message) at byte \(index)")
    }
}
