import Foundation
import Logging
import Testing

@testable import ExporterConfiguration
@testable import ExporterCore

@Suite struct LogFormatTests {
    @Test func logfmtQuotesAndEscapesValues() {
        let line = LineLogHandler.logfmtLine([("msg", "Poll failed"), ("error", "a \"b\"\nc\\d"), ("n", "3"), ("empty", "")])
        #expect(line == #"msg="Poll failed" error="a \"b\"\nc\\d" n=3 empty="""#)
    }

    @Test func jsonLinesAreValidJSON() throws {
        let line = LineLogHandler.jsonLine([("msg", "x \"y\"\n"), ("flow.id", "7")])
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object == ["msg": "x \"y\"\n", "flow.id": "7"])
        #expect(!line.contains("\n"))
    }
}

/// The log scrubs the secrets of the configuration in force: a SIGHUP that brings a new API
/// key or webhook secret replaces the set the (once-bootstrapped) handlers use.
@Suite struct LogRedactionTests {
    @Test func replacedSecretsAreScrubbedFromTheNextLine() {
        let redaction = LogRedaction(secrets: ["old-api-key-123"])
        let handler = LineLogHandler(label: "test", json: false, redactor: redaction)
        func line(_ message: String) -> String {
            handler.line(
                for: LogEvent(
                    level: .error, message: "\(message)", metadata: ["error": "\(message)"], source: "test", file: #fileID,
                    function: #function, line: #line))
        }
        #expect(!line("key old-api-key-123").contains("old-api-key-123"))
        redaction.set(secrets: ["new-api-key-456", "webhook-secret-789"])
        let after = line("key new-api-key-456, hook webhook-secret-789")
        #expect(!after.contains("new-api-key-456") && !after.contains("webhook-secret-789"), "\(after)")
        #expect(after.contains("<redacted>"))
    }
}
