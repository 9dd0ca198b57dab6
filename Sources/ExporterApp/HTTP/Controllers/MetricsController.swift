import ExporterConfiguration
import ExporterCore
import Exposition
import HTTPTypes
import Hummingbird
import NIOCore

/// `/metrics`: the exposition of the latest state, negotiated (text or OpenMetrics, gzip),
/// rendered once per state and format however many scrapers ask.
public struct MetricsController: ExporterController {
    let state: ExporterState
    let expositions = ExpositionCache()

    /// Bytes per write of an answer.
    static let sliceSize = 1 << 20

    public init(state: ExporterState) { self.state = state }

    public func register(on router: Router<ExporterRequestContext>) {
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
            // The process figures change at every scrape: rendered apart and sent first (a
            // gzip member of their own: a gzip stream may hold several, RFC 1952 §2.2).
            let process = ProcessStats.current().map {
                MetricsRenderer.render(process: $0, format: format, disabled: snapshot.exportSettings.disabled)
            }
            let head = process.flatMap { gzip && cached != nil ? Gzip.compress($0) : $0 } ?? []
            // Sent in slices: copying megabytes of exposition whole would double the peak.
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(contentLength: head.count + bytes.count) { writer in
                    if !head.isEmpty { try await writer.write(ByteBuffer(bytes: head)) }
                    for start in stride(from: 0, to: bytes.count, by: Self.sliceSize) {
                        try await writer.write(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + Self.sliceSize)]))
                    }
                    try await writer.finish(nil)
                })
        }
    }
}
