import ExporterConfiguration
import ExporterCore
import Exposition
import HTTPTypes
import Hummingbird
import NIOCore

/// `/metrics`: the exposition of the latest state, negotiated (text or OpenMetrics, gzip),
/// rendered once per state and format however many scrapers ask.
public struct MetricsController: ExporterController {
    let view: ExporterView
    let expositions = ExpositionCache()

    /// Bytes per write of an answer.
    static let sliceSize = 1 << 20

    public init(state: ExporterState) { view = ExporterView(state: state) }

    public init(view: ExporterView) { self.view = view }

    public func register(on router: Router<ExporterRequestContext>) {
        router.get("/metrics") { request, _ -> Response in
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            let scrape = await view.scrape()
            var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept-Encoding"]
            let gzip = Gzip.isAccepted(request.headers[.acceptEncoding])
            let cached = await expositions.body(.init(version: scrape.version, format: format, gzip: gzip)) {
                let rendered = scrape.render(format)
                guard gzip else { return .init(bytes: rendered) }
                return Gzip.deflate(rendered).map { .init(bytes: $0.stream, deflated: $0) }
            }
            // The process figures change at every scrape: rendered apart and sent first,
            // deflated into the same gzip member as the cached rest.
            let process =
                ProcessStats.current().map {
                    MetricsRenderer.render(process: $0, format: format, disabled: scrape.disabled)
                } ?? []
            // Sent in order: before the document, the document, after it.
            let (first, bytes, last): ([UInt8], [UInt8], [UInt8])
            if let cached, let deflated = cached.deflated, let parts = Gzip.member(prefix: process, deflated) {
                headers[.contentEncoding] = "gzip"
                (first, bytes, last) = (parts.head, cached.bytes, parts.tail)
            } else {
                let plain =
                    cached.flatMap { $0.deflated == nil ? $0.bytes : nil } ?? scrape.render(format)
                (first, bytes, last) = (process, plain, [])
            }
            // Sent in slices: copying megabytes of exposition whole would double the peak.
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(contentLength: first.count + bytes.count + last.count) { writer in
                    if !first.isEmpty { try await writer.write(ByteBuffer(bytes: first)) }
                    for start in stride(from: 0, to: bytes.count, by: Self.sliceSize) {
                        try await writer.write(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + Self.sliceSize)]))
                    }
                    if !last.isEmpty { try await writer.write(ByteBuffer(bytes: last)) }
                    try await writer.finish(nil)
                })
        }
    }
}
