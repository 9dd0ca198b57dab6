import Exposition
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The exporter's HTTP endpoints: /metrics, /health, /-/healthy, /-/ready and a landing page.
public enum ExporterRoutes {
    /// A router serving `state`. `apiURL` is shown in /health (it carries no secret).
    public static func router(state: ExporterState, apiURL: String) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { request, _ -> Response in
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            let snapshot = await state.snapshot()
            let rendered = MetricsRenderer.render(snapshot, format: format)
            var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept-Encoding"]
            var compressed: [UInt8]?
            if Gzip.isAccepted(request.headers[.acceptEncoding]) {
                compressed = Gzip.compress(rendered)
                if compressed != nil { headers[.contentEncoding] = "gzip" }
            }
            let bytes = compressed ?? rendered
            // Sent in slices: copying megabytes of exposition whole would double the peak.
            return Response(status: .ok, headers: headers,
                            body: ResponseBody(contentLength: bytes.count) { writer in
                                for start in stride(from: 0, to: bytes.count, by: sliceSize) {
                                    try await writer.write(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + sliceSize)]))
                                }
                                try await writer.finish(nil)
                            })
        }
        router.get("/health") { _, _ -> Response in
            let report = HealthReport(snapshot: await state.snapshot(), apiURL: apiURL)
            return Response(status: .init(code: report.httpStatus), headers: [.contentType: "application/json"],
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
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: landingPage)))
        }
        return router
    }

    /// Bytes per write of a /metrics answer.
    static let sliceSize = 1 << 20

    private static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
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
        </ul></body></html>
        """
}
