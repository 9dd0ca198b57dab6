import Foundation
import Testing

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
