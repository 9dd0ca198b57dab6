import Foundation
import Testing

@testable import EtlworksAPI

@Suite struct JSONParserTests {
    /// Foundation's JSONDecoder, as an independent oracle.
    struct Oracle: Decodable {
        let value: JSONValue

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                value = .null
            } else if let bool = try? container.decode(Bool.self) {
                value = .bool(bool)
            } else if let integer = try? container.decode(Int64.self) {
                value = .integer(integer)
            } else if let double = try? container.decode(Double.self) {
                value = .double(double)
            } else if let text = try? container.decode(String.self) {
                value = .string(text)
            } else if let array = try? container.decode([Oracle].self) {
                value = .array(array.map(\.value))
            } else {
                value = .object(try container.decode([String: Oracle].self).mapValues(\.value))
            }
        }
    }

    static func oracle(_ data: Data) throws -> JSONValue { normalized(try JSONDecoder().decode(Oracle.self, from: data).value) }

    /// Integral doubles as integers: `1e3` is 1000 either way.
    static func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .double(let number) where number.rounded() == number && abs(number) < 9e15: return .integer(Int64(number))
        case .array(let items): return .array(items.map(normalized))
        case .object(let members): return .object(members.mapValues(normalized))
        default: return value
        }
    }

    @Test func agreesWithFoundationOnTypicalDocuments() throws {
        let documents = [
            #"{"a": [1, -2, 3.5, 1e3, true, false, null], "b": {"c": "d\"e\\f\n\u00e9\ud83d\ude80"}, "": ""}"#,
            #"[]"#, #"{}"#, #" [ {"x" : [ [ ] , { } ] } ] "#, #""just a string""#, "0", "-0.25",
            #"{"name": "tab\there", "slash": "a\/b", "ctl": "\u0000\u001f"}"#
        ]
        for document in documents {
            #expect(
                Self.normalized(try JSONParser.parse(Data(document.utf8))) == (try Self.oracle(Data(document.utf8))),
                "\(document)")
        }
    }

    @Test func randomDocumentsRoundTripThroughFoundation() throws {
        var random = SystemRandomNumberGenerator()
        func value(_ depth: Int) -> Any {
            switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &random) {
            case 0: return NSNull()
            case 1: return Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &random)
            case 2: return Bool.random(using: &random)
            case 3:
                return String(
                    (0..<Int.random(in: 0...12, using: &random)).map { _ in
                        ["a", "\"", "\\", "\n", "é", "数", "🚀", "\u{1}", "/", " "].randomElement(using: &random)!
                    })
            case 4: return (0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth + 1) }
            default:
                var object: [String: Any] = [:]
                for index in 0..<Int.random(in: 0...4, using: &random) { object["k\(index)\"\\"] = value(depth + 1) }
                return object
            }
        }
        for _ in 0..<300 {
            let document = [value(0)]
            let data = try JSONSerialization.data(withJSONObject: document)
            #expect(Self.normalized(try JSONParser.parse(data)) == (try Self.oracle(data)))
        }
    }

    @Test func rejectsWhatIsNotJSON() {
        for text in [
            "", "[", "[1,]", "{\"a\" 1}", "{'a': 1}", "[01]", "[1.]", "[.5]", "tru", "[\"\\x\"]", "[\"a\nb\"]",
            "[1] [2]", "{\"a\":1,}", "[\"\\ud800\"", "<html>", String(repeating: "[", count: 10_000)
        ] {
            #expect(throws: APIDecodingError.self, "\(text.prefix(20))") { try JSONParser.parse(Data(text.utf8)) }
        }
        #expect(throws: APIDecodingError.self) { try JSONParser.parse(Data([0x5B, 0x22, 0xFF, 0xFE, 0x22, 0x5D])) }
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONParser.parse(Data(#""a\ud800b""#.utf8)) == .string("a\u{FFFD}b"))
        #expect(try JSONParser.parse(Data(#""\udc00""#.utf8)) == .string("\u{FFFD}"))
    }

    @Test func elementsAreHandedOverOneByOneAndAFaultStopsTheRest() throws {
        var seen: [JSONValue] = []
        try JSONParser.forEachElement(of: Data(#"[1, {"a": 2}, "x"]"#.utf8), expected: "a list") { seen.append($0) }
        #expect(seen == [.integer(1), .object(["a": .integer(2)]), .string("x")])
        seen = []
        #expect(throws: APIDecodingError.self) {
            try JSONParser.forEachElement(of: Data(#"[1, 2, {"cut"#.utf8), expected: "a list") { seen.append($0) }
        }
        #expect(seen.count == 2)
        #expect(throws: APIDecodingError.unexpectedShape(expected: "a list")) {
            try JSONParser.forEachElement(of: Data(#"{"items": []}"#.utf8), expected: "a list") { _ in }
        }
    }
}
