/// One problem in a configuration file: the key, the line when known, and what is wrong.
public struct ConfigIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path, e.g. `poll.executions`.
    public var key: String
    public var line: Int?
    public var message: String

    public init(key: String, line: Int?, message: String) {
        self.key = key
        self.line = line
        self.message = message
    }

    public var description: String {
        let location = line.map { " (line \($0))" } ?? ""
        return "\(key)\(location): \(message)"
    }
}

/// Every problem found in a configuration file; loading reports them all at once.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(_ issues: [ConfigIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
