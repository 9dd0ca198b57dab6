/// A storage failure, naming the database file.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in a form suitable for /health.
    public enum Code: String, Sendable {
        case cannotOpen = "cannot_open"
        case notADatabase = "not_a_database"
        case corrupt
        case tooNew = "schema_too_new"
        case readOnly = "read_only"
        case full = "disk_full"
        case sqlite
    }

    public var code: Code
    /// The database file.
    public var path: String
    public var message: String

    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "database \(path): \(message)" }
}
