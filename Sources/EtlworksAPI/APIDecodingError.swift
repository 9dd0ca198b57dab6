/// Why an API answer could not be decoded as a whole. Single bad records inside a page are
/// skipped and counted instead (see `DecodedPage`).
public enum APIDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body is not JSON (or is truncated).
    case malformed(String)
    /// The body is JSON but not of the expected shape, e.g. an object where a list belongs.
    case unexpectedShape(expected: String)

    public var description: String {
        switch self {
        case .malformed(let detail): return "malformed JSON: \(detail)"
        case .unexpectedShape(let expected): return "unexpected JSON shape: expected \(expected)"
        }
    }
}

/// The items decoded from a list answer, and how many elements had to be skipped.
public struct DecodedPage<Item: Sendable>: Sendable {
    /// The elements that decoded.
    public var items: [Item]
    /// Elements that were not objects or lacked a required field.
    public var skipped: Int

    public init(items: [Item], skipped: Int) {
        self.items = items
        self.skipped = skipped
    }
}

extension DecodedPage {
    /// Decodes a JSON array with `decodeItem`, skipping elements it rejects.
    static func decode(_ value: JSONValue, expected: String, _ decodeItem: (JSONValue) -> Item?) throws -> DecodedPage {
        guard let elements = value.array else { throw APIDecodingError.unexpectedShape(expected: expected) }
        var items: [Item] = []
        items.reserveCapacity(elements.count)
        var skipped = 0
        for element in elements {
            if let item = decodeItem(element) { items.append(item) } else { skipped += 1 }
        }
        return DecodedPage(items: items, skipped: skipped)
    }
}
