import Foundation

/// A flow as listed by `GET /v1/flows`.
public struct Flow: Sendable, Equatable {
    /// The flow's id.
    public var id: Int64
    /// Free text: may hold quotes, backslashes, newlines, any Unicode.
    public var name: String
    /// The connector-defined type, e.g. `connection.db.postgres`.
    public var flowType: String?
    /// Tags attached to the flow.
    public var tags: [String]
    /// Last change, epoch milliseconds.
    public var updated: Int64?

    public init(id: Int64, name: String, flowType: String? = nil, tags: [String] = [], updated: Int64? = nil) {
        self.id = id
        self.name = name
        self.flowType = flowType
        self.tags = tags
        self.updated = updated
    }

    /// Decodes one flow; nil when `id` is missing. A missing name becomes an empty string.
    public init?(json: JSONValue) {
        guard json.isObject, let id = json["id"]?.int64 else { return nil }
        self.init(
            id: id,
            name: json["name"]?.string ?? "",
            flowType: json["flowType"]?.string,
            tags: json["tags"]?.array?.compactMap(\.string) ?? [],
            updated: Timestamp.epochMilliseconds(json["updated"]))
    }

    /// Decodes a page of `GET /v1/flows`.
    public static func decodePage(_ data: Data) throws -> DecodedPage<Flow> {
        try DecodedPage.decode(data, expected: "a list of flows", Flow.init(json:))
    }
}
