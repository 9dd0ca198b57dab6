import EtlworksAPI
import Foundation
import Logging

/// Writes one line per event to stderr, as logfmt or JSON, with secrets scrubbed.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let json: Bool
    private let redactor: LogRedaction

    public init(label: String, json: Bool, redactor: LogRedaction) {
        self.label = label
        self.json = json
        self.redactor = redactor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        FileHandle.standardError.write(Data((line(for: event) + "\n").utf8))
    }

    /// The line an event becomes, secrets scrubbed.
    func line(for event: LogEvent) -> String {
        let level = event.level
        let message = event.message
        let explicit = event.metadata
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()), ("level", level.rawValue), ("logger", label),
            ("msg", redactor.scrub(message.description))
        ]
        let merged = metadata.merging(explicit ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            fields.append((key, redactor.scrub(value.description)))
        }
        return json ? Self.jsonLine(fields) : Self.logfmtLine(fields)
    }

    static func logfmtLine(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes =
                value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline || $0 == "\\" }
            guard needsQuotes else { return "\(key)=\(value)" }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
            return "\(key)=\"\(escaped)\""
        }.joined(separator: " ")
    }

    static func jsonLine(_ fields: [(String, String)]) -> String {
        var object: [String: String] = [:]
        for (key, value) in fields { object[key] = value }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
