import ExporterBase
import ExporterCore
import Foundation
import Hummingbird
import SeriesQuery
import Store

/// `/api/v1/series`: the stored history.
public struct SeriesController: ExporterController {
    let reader: SeriesReader
    let limits: SeriesQueryLimits
    let now: @Sendable () -> Date

    public init(reader: SeriesReader, limits: SeriesQueryLimits, now: @escaping @Sendable () -> Date = { Date() }) {
        self.reader = reader
        self.limits = limits
        self.now = now
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/series") { request, _ -> Response in
            await query(QueryString.parse(request.uri.query))
        }
    }

    private func query(_ parameters: [String: String]) async -> Response {
        do {
            let query = try SeriesQueryRequest.parse(parameters, now: Int64(now().timeIntervalSince1970), limits: limits)
            let results = try await reader.query(
                query.selector, tier: query.tier, from: query.from, to: query.to, step: query.step, maxSeries: limits.maxSeries,
                maxSamples: limits.maxSamples)
            // Streamed piece by piece: the text of a large answer is never held whole.
            let body = ResponseBody { writer in
                for piece in SeriesQueryResponse(query, results: results) { try await writer.write(ByteBuffer(string: piece)) }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
        } catch let error as SeriesQueryError {
            return .json(ErrorDocument(error.description, parameter: error.parameter).data, status: .badRequest)
        } catch {
            return .json(ErrorDocument(String(describing: error)).data, status: .serviceUnavailable)
        }
    }
}
