import EtlworksAPI
import Logging

/// Builds the root logger from `log.level` and `log.format`.
public enum LogSettings {
    /// The swift-log level for a config word.
    public static func level(_ text: String) -> Logger.Level? {
        switch text.lowercased() {
        case "trace": return .trace
        case "debug": return .debug
        case "info": return .info
        case "warn", "warning": return .warning
        case "error": return .error
        default: return nil
        }
    }

    /// Bootstraps swift-log once for the process: every line goes to stderr in `format`, with
    /// `redactor`'s secrets (replaceable later) scrubbed from messages and metadata.
    public static func bootstrap(level: String, format: String, redactor: LogRedaction) {
        let logLevel = Self.level(level) ?? .info
        let json = format == "json"
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, json: json, redactor: redactor)
            handler.logLevel = logLevel
            return handler
        }
    }
}
