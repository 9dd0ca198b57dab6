import ExporterBase
import Foundation

/// `GET /api/v1/reports/usage?month=&tz=&format=&table=`: builds reports from the database
/// one at a time, so concurrent requests cannot multiply the memory a report takes.
public actor UsageReportService {
    /// An HTTP answer: status, content type, body.
    public struct Answer: Sendable {
        public var status: Int
        public var contentType: String
        public var body: String
        public var headers: [String: String] = [:]
    }

    private let path: String
    private var building = false

    public init(path: String) {
        self.path = path
    }

    public func answer(_ parameters: [String: String], now: Date) async -> Answer {
        let request: UsageReportRequest
        do {
            request = try UsageReportRequest.parse(
                month: parameters["month"], timeZone: parameters["tz"],
                format: parameters["format"], table: parameters["table"], now: now)
        } catch {
            return Answer(
                status: 400, contentType: "application/json",
                body: String(decoding: ErrorDocument(error.message, parameter: error.parameter).data, as: UTF8.self))
        }
        guard !building else {
            return Answer(
                status: 429, contentType: "application/json",
                body: String(
                    decoding: ErrorDocument("a report is being built; retry shortly", parameter: nil).data, as: UTF8.self),
                headers: ["Retry-After": "2"])
        }
        building = true
        defer { building = false }
        do {
            let report = try await UsageReportBuilder.build(path: path, month: request.month, now: now)
            var answer = Answer(
                status: 200, contentType: request.format.contentType,
                body: report.rendered(as: request.format, table: request.table))
            if request.format == .csv {
                answer.headers["Content-Disposition"] =
                    "attachment; filename=\"etlworks-usage-\(request.month.label)-\(request.table.rawValue).csv\""
            }
            return answer
        } catch {
            return Answer(
                status: 503, contentType: "application/json",
                body: String(decoding: ErrorDocument("cannot build the report: \(error)", parameter: nil).data, as: UTF8.self))
        }
    }
}
