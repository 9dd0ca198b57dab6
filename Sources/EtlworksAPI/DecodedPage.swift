import Foundation

/// The items decoded from a list answer, and how many elements had to be skipped.
public struct DecodedPage<Item: Sendable>: Sendable {
    /// The elements that decoded.
    public var items: [Item]
    /// Elements that were not objects or lacked a required field.
    public var skipped: Int
    /// The first element's keys when no element decoded (a list of some other shape).
    public var unrecognizedKeys: String?

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
        var firstKeys: String?
        try JSONParser.forEachElement(of: data, expected: expected) { element in
            if let item = decodeItem(element) {
                page.items.append(item)
            } else {
                page.skipped += 1
                if firstKeys == nil { firstKeys = element.keyList }
            }
        }
        if page.items.isEmpty { page.unrecognizedKeys = firstKeys }
        return page
    }
}
