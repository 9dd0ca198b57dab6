import ExporterCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Reports
import SeriesQuery

/// `/api/v1/reports/usage`: the monthly usage report.
public struct ReportsController: ExporterController {
    let service: UsageReportService
    let now: @Sendable () -> Date

    public init(service: UsageReportService, now: @escaping @Sendable () -> Date = { Date() }) {
        self.service = service
        self.now = now
    }

    public func register(on router: Router<ExporterRequestContext>) {
        router.get("/api/v1/reports/usage") { request, _ -> Response in
            let answer = await service.answer(QueryString.parse(request.uri.query), now: now())
            var headers: HTTPFields = [.contentType: answer.contentType]
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
            return Response(
                status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
    }
}
