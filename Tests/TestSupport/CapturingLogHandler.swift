import Logging
import Synchronization

/// Keeps every log message, for tests that check what is logged and how often.
package final class LogCapture: Sendable {
    private let lines = Mutex<[(Logger.Level, String, Logger.Metadata)]>([])

    package init() {}

    package var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    package func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        lines.withLock { $0.append((level, message, metadata)) }
    }

    package func messages(at level: Logger.Level) -> [String] {
        lines.withLock { $0.filter { $0.0 == level }.map(\.1) }
    }

    package var all: String { lines.withLock { $0.map { "\($0.1) \($0.2)" }.joined(separator: "\n") } }
}

package struct CapturingLogHandler: LogHandler {
    package let capture: LogCapture
    package var logLevel: Logger.Level = .trace
    package var metadata: Logger.Metadata = [:]

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        capture.append(event.level, event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })
    }
}
