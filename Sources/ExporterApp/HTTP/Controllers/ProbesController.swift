import ExporterBase
import ExporterConfiguration
import ExporterCore
import Hummingbird
import NIOCore
import Vocabulary

/// `/health`, the liveness and readiness probes, and the landing page.
public struct ProbesController: ExporterController {
    let view: ExporterView
    /// Shown in /health; it carries no secret.
    let apiURL: String

    public init(state: ExporterState, apiURL: String) {
        view = ExporterView(state: state)
        self.apiURL = apiURL
    }

    public init(view: ExporterView, apiURL: String) {
        self.view = view
        self.apiURL = apiURL
    }

    public func register(on router: Router<ExporterRequestContext>) {
        router.get("/health") { _, _ -> Response in
            let report = await view.health(apiURL: apiURL)
            return .json(report.json(), status: .init(code: report.httpStatus))
        }
        router.get("/-/healthy") { _, _ in Response.text("OK\n") }
        router.get("/-/ready") { _, _ -> Response in
            if await !view.isReady() {
                return .text("not ready: waiting for the first executions poll\n", status: .serviceUnavailable)
            }
            return .text("OK\n")
        }
        router.get("/") { _, _ in Response.html(Self.landingPage) }
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
