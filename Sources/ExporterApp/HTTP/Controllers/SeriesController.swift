import ExporterBase
import ExporterCore
import Foundation
import Hummingbird
import NIOCore
import SeriesQuery
import Store

/// `/api/v1/series`: the stored history. Queries are admitted a few at a time (the rest wait
/// in a short queue, then get 429), each holds its admission until its answer is written,
/// and a query whose client has gone is cancelled, queued or running.
public struct SeriesController: ExporterController {
    let reader: SeriesReader
    let limits: SeriesQueryLimits
    let admission: QueryAdmission
    let now: @Sendable () -> Date

    public init(reader: SeriesReader, limits: SeriesQueryLimits, now: @escaping @Sendable () -> Date = { Date() }) {
        self.reader = reader
        self.limits = limits
        admission = QueryAdmission(running: limits.maxRunning, queued: limits.maxQueued)
        self.now = now
    }

    public func register(on router: Router<ExporterRequestContext>) {
        router.get("/api/v1/series") { request, context -> Response in
            await query(QueryString.parse(request.uri.query), connectionClosed: context.connectionClosed)
        }
    }

    private func query(_ parameters: [String: String], connectionClosed: EventLoopFuture<Void>) async -> Response {
        do {
            let query = try SeriesQueryRequest.parse(parameters, now: Int64(now().timeIntervalSince1970), limits: limits)
            let admitted = try await Self.whileConnected(connectionClosed) { [admission, reader, limits] in
                guard let permit = await admission.admit() else { return nil as (QueryAdmission.Permit, [SeriesResult])? }
                try Task.checkCancellation()
                let results = try await reader.query(
                    query.selector, tier: query.tier, from: query.from, to: query.to, step: query.step,
                    maxSeries: limits.maxSeries, maxSamples: limits.maxSamples)
                return (permit, results)
            }
            guard let (permit, results) = admitted else {
                var response = Response.json(
                    ErrorDocument(
                        "\(admission.running) series queries are running and \(admission.queued) waiting; retry later"
                    ).data, status: .tooManyRequests)
                response.headers[.retryAfter] = "1"
                return response
            }
            // Streamed piece by piece: the text of a large answer is never held whole. The
            // admission is held until the last piece is written.
            let body = ResponseBody { writer in
                defer { permit.release() }
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

    /// Runs `work` until it ends or the connection closes, whichever is first; it is
    /// cancelled in the second case (and throws CancellationError).
    static func whileConnected<T: Sendable>(
        _ closed: EventLoopFuture<Void>, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let task = Task { try await work() }
        closed.whenComplete { _ in task.cancel() }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
