import ExporterBase
import ExporterCore
import Exposition
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Reports
import SLA
import Store
import WebSecurity

/// The exporter's HTTP endpoints: /metrics, /health, /-/healthy, /-/ready, the history query
/// API and a landing page.
public enum ExporterRoutes {
    /// A router serving `state`, and history from `series` when given. `apiURL` is shown in
    /// /health (it carries no secret).
    public static func router(
        state: ExporterState, apiURL: String, series: SeriesReader? = nil,
        queryLimits: ExporterConfig.Query = .init(), sla: SLAStateStore? = nil,
        reports: UsageReportService? = nil, auth: WebAuthenticator? = nil, healthRequiresAuth: Bool = true,
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> Router<BasicRequestContext> {
        let router = Router()
        if let auth {
            // Probes never carry credentials; /health may be left open for load balancers.
            let open: Set<String> = healthRequiresAuth ? ["/-/healthy", "/-/ready"] : ["/-/healthy", "/-/ready", "/health"]
            router.add(
                middleware: BasicAuthMiddleware(authenticator: auth, open: open, onFailure: { await state.recordAuthFailure() }))
        }
        let expositions = ExpositionCache()
        router.get("/api/v1/sla") { request, _ -> Response in
            let onlyBreaching = QueryString.parse(request.uri.query)["state"] == "breaching"
            return json(SLADocuments.current(await state.snapshot().sla, onlyBreaching: onlyBreaching))
        }
        if let sla {
            router.get("/api/v1/sla/history") { request, _ -> Response in
                await slaHistory(request, store: sla, now: now())
            }
            router.get("/sla") { _, _ -> Response in
                let time = now().timeIntervalSince1970
                let episodes = (try? await sla.episodes(from: Int64((time - 7 * 86400) * 1000), to: Int64.max, limit: 5000)) ?? []
                let page = SLAPage.render(await state.snapshot().sla, episodes: episodes, now: time)
                return Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: page)))
            }
        }
        if let series {
            router.get("/api/v1/series") { request, _ -> Response in
                await seriesQuery(request, reader: series, limits: queryLimits, now: now())
            }
        }
        if let reports {
            router.get("/api/v1/reports/usage") { request, _ -> Response in
                let answer = await reports.answer(QueryString.parse(request.uri.query), now: now())
                var headers: HTTPFields = [.contentType: answer.contentType]
                for (name, value) in answer.headers {
                    if let field = HTTPField.Name(name) { headers[field] = value }
                }
                return Response(
                    status: .init(code: answer.status), headers: headers,
                    body: .init(byteBuffer: ByteBuffer(string: answer.body)))
            }
        }
        router.get("/metrics") { request, _ -> Response in
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            let snapshot = await state.snapshot()
            var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept-Encoding"]
            let gzip = Gzip.isAccepted(request.headers[.acceptEncoding])
            let cached = await expositions.bytes(.init(version: snapshot.version, format: format, gzip: gzip)) {
                let rendered = MetricsRenderer.render(snapshot, format: format)
                return gzip ? Gzip.compress(rendered) : rendered
            }
            if gzip && cached != nil { headers[.contentEncoding] = "gzip" }
            let bytes = cached ?? MetricsRenderer.render(snapshot, format: format)
            // Sent in slices: copying megabytes of exposition whole would double the peak.
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(contentLength: bytes.count) { writer in
                    for start in stride(from: 0, to: bytes.count, by: sliceSize) {
                        try await writer.write(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + sliceSize)]))
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/health") { _, _ -> Response in
            let report = HealthReport(snapshot: await state.snapshot(), apiURL: apiURL)
            return Response(
                status: .init(code: report.httpStatus), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(data: report.json())))
        }
        router.get("/-/healthy") { _, _ in text("OK\n") }
        router.get("/-/ready") { _, _ -> Response in
            let snapshot = await state.snapshot()
            if snapshot.polls[.executions] == nil {
                return text("not ready: waiting for the first executions poll\n", status: .serviceUnavailable)
            }
            return text("OK\n")
        }
        router.get("/") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: landingPage)))
        }
        return router
    }

    private static func seriesQuery(
        _ request: Request, reader: SeriesReader, limits: ExporterConfig.Query,
        now: Date
    ) async -> Response {
        let parameters = QueryString.parse(request.uri.query)
        do {
            let query = try SeriesQueryRequest.parse(parameters, now: Int64(now.timeIntervalSince1970), limits: limits)
            let results = try await reader.query(
                query.selector, tier: query.tier, from: query.from, to: query.to,
                step: query.step, maxSeries: limits.maxSeries)
            return json(SeriesQueryResponse.success(query, results: results))
        } catch let error as SeriesQueryError {
            return json(SeriesQueryResponse.error(error.description, parameter: error.parameter), status: .badRequest)
        } catch {
            return json(SeriesQueryResponse.error(String(describing: error), parameter: nil), status: .serviceUnavailable)
        }
    }

    /// Episodes overlapping `from`..`to` (RFC 3339 or epoch seconds; default the last 7 days).
    private static func slaHistory(_ request: Request, store: SLAStateStore, now: Date) async -> Response {
        let parameters = QueryString.parse(request.uri.query)
        do throws(SeriesQueryError) {
            let to =
                try parameters["to"].map { text throws(SeriesQueryError) in try SeriesQueryRequest.time(text, parameter: "to") }
                ?? Int64(now.timeIntervalSince1970)
            let from =
                try parameters["from"].map { text throws(SeriesQueryError) in try SeriesQueryRequest.time(text, parameter: "from")
                }
                ?? to - 7 * 86400
            guard from < to else { throw SeriesQueryError(parameter: "from", message: "must be before to") }
            do {
                let episodes = try await store.episodes(from: from * 1000, to: to * 1000)
                return json(SLADocuments.history(episodes, from: Double(from), to: Double(to)))
            } catch {
                return json(ErrorDocument(String(describing: error), parameter: nil).data, status: .serviceUnavailable)
            }
        } catch {
            return json(ErrorDocument(error.message, parameter: error.parameter).data, status: .badRequest)
        }
    }

    private static func json(_ body: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: body)))
    }

    /// Bytes per write of a /metrics answer.
    static let sliceSize = 1 << 20

    private static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static let landingPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>etlworks-exporter</title>
        <style>body{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;line-height:1.5}</style></head>
        <body><h1>etlworks-exporter</h1>
        <p>Prometheus exporter for Etlworks flows, agents and billing. Version \(BuildInfo.version).</p>
        <ul>
        <li><a href="/metrics">/metrics</a>: Prometheus and OpenMetrics exposition</li>
        <li><a href="/health">/health</a>: JSON health report</li>
        <li><a href="/-/healthy">/-/healthy</a>: liveness probe</li>
        <li><a href="/-/ready">/-/ready</a>: readiness probe</li>
        <li><a href="/api/v1/series?match=etlworks_flow_runs_total">/api/v1/series</a>: stored history (see README)</li>
        <li><a href="/api/v1/reports/usage?format=html">/api/v1/reports/usage</a>: last month's usage report (<code>?month=YYYY-MM&amp;tz=&amp;format=json|csv|markdown|html</code>)</li>
        <li><a href="/sla">/sla</a>: SLA status (JSON: <a href="/api/v1/sla">/api/v1/sla</a>, <a href="/api/v1/sla/history">/api/v1/sla/history</a>)</li>
        </ul></body></html>
        """
}
