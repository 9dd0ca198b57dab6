import Foundation

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
    /// Decodes a JSON array element by element with `decodeItem`, skipping elements it
    /// rejects; the document is never held as a tree.
    static func decode(_ data: Data, expected: String, _ decodeItem: (JSONValue) -> Item?) throws -> DecodedPage {
        var page = DecodedPage(items: [], skipped: 0)
        try JSONParser.forEachElement(of: data, expected: expected) { element in
            if let item = decodeItem(element) { page.items.append(item) } else { page.skipped += 1 }
        }
        return page
    }
}
