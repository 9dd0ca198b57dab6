import Foundation

/// A tenant of a dedicated or on-premise instance, as `GET /v1/tenants` lists it for the
/// Super Admin. The answer's shape is not published: `id` may be a number or a string.
public struct Tenant: Sendable, Equatable, Hashable {
    /// The id `tenantId` and the tenant switch take, as text.
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }

    /// Decodes one tenant; nil without a usable id (a number, or a string of at most 64
    /// letters, digits, `-`, `_` or `.`, not dots alone: the id goes into a path and a label).
    public init?(json: JSONValue) {
        guard json.isObject, let id = json["id"].flatMap(Self.id(from:)) else { return nil }
        self.init(id: id, name: json["name"]?.string ?? "")
    }

    /// For people: `tenant 2 (two)`.
    public var label: String { name.isEmpty ? "tenant \(id)" : "tenant \(id) (\(name))" }

    static func id(from value: JSONValue) -> String? {
        if let number = value.int64 { return String(number) }
        guard let text = value.string, Self.isValidId(text) else { return nil }
        return text
    }

    /// Whether `text` can be a tenant id: it becomes a path segment and a label value.
    public static func isValidId(_ text: String) -> Bool {
        // Not dots alone: `.` and `..` are no path segment to post a webhook to.
        text.utf8.count <= 64 && text.utf8.contains { $0 != UInt8(ascii: ".") }
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                    return true
                default: return false
                }
            }
    }

    /// Decodes `GET /v1/tenants`.
    public static func decodeList(_ data: Data) throws -> DecodedPage<Tenant> {
        try DecodedPage.decode(data, expected: "a list of tenants", Tenant.init(json:))
    }
}
