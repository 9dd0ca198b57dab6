import ExporterConfiguration
import ExporterCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationEssentialsCompat
import Vocabulary

/// `POST /api/v1/webhooks/etlworks`: Etlworks webhooks (`Flow.Executed`), checked with the
/// push credentials alone (never the scrape credentials), answered 202 as soon as the run is
/// queued — the look-up happens later, in `PushedRunsService`. With `etlworks.tenants`, each
/// tenant's webhook posts to `/api/v1/webhooks/etlworks/{tenant_id}`.
public struct PushController: ExporterController {
    public static let path = "/api/v1/webhooks/etlworks"
    /// The largest body read; a larger one is refused unread.
    static let maxBody = 1 << 20

    let settings: PushSettings
    /// The receiver of a path's tenant (nil: the path without one); nil when none receives there.
    let receivers: @Sendable (String?) async -> PushReceiver?
    let now: @Sendable () -> Date

    public init(settings: PushSettings, receiver: PushReceiver, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(settings: settings, receivers: { $0 == nil ? receiver : nil }, now: now)
    }

    public init(
        settings: PushSettings, receivers: @escaping @Sendable (String?) async -> PushReceiver?,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.receivers = receivers
        self.now = now
    }

    /// Its own credentials: the web configuration's basic auth does not apply.
    public var openPaths: Set<String> { [Self.path, Self.path + "/*"] }

    public func register(on router: Router<ExporterRequestContext>) {
        router.post(RouterPath(Self.path)) { request, context -> Response in
            try await receive(request, context: context, tenant: nil)
        }
        router.post(RouterPath(Self.path + "/:tenant")) { request, context -> Response in
            try await receive(request, context: context, tenant: context.parameters.get("tenant"))
        }
    }

    func receive(_ request: Request, context: ExporterRequestContext, tenant: String?) async throws -> Response {
        guard let receiver = await receivers(tenant) else {
            let message =
                tenant == nil
                ? "this exporter watches several tenants: post to \(Self.path)/{tenant_id}"
                : "no tenant with this id is watched here"
            return Self.answer(.notFound, "error", message)
        }
        var request = request
        let headers = request.headers
        let accepted = PushCredentialCheck.accepts(settings.credential) { name in
            HTTPField.Name(name).flatMap { headers[$0] }
        }
        guard accepted else {
            await receiver.refuse(.auth)
            var response = Self.answer(.unauthorized, "error", "unauthorized")
            response.headers[.wwwAuthenticate] = "Basic realm=\"etlworks-exporter webhooks\""
            return response
        }
        if let length = headers[.contentLength].flatMap(Int.init), length > Self.maxBody {
            await receiver.refuse(.tooLarge)
            return Self.answer(.contentTooLarge, "error", "the body is over 1 MiB")
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBody)
        } catch {
            await receiver.refuse(.tooLarge)
            return Self.answer(.contentTooLarge, "error", "the body is over 1 MiB")
        }
        var named: [String: String] = [:]
        for field in headers where field.name.canonicalName.hasPrefix("x-etl-webhook-") {
            named[field.name.canonicalName] = field.value
        }
        let event: WebhookEvent
        do {
            event = try WebhookEvent.decode(body: Data(buffer: body), headers: named)
        } catch {
            await receiver.refuse(.malformed)
            return Self.answer(.badRequest, "error", error.description)
        }
        switch await receiver.receive(event, now: now().timeIntervalSince1970) {
        case .accepted: return Self.answer(.accepted, "accepted", nil)
        case .duplicate: return Self.answer(.accepted, "duplicate", nil)
        case .rejected:
            var response = Self.answer(.serviceUnavailable, "error", "too many pushed runs waiting; retry later")
            response.headers[.retryAfter] = "5"
            return response
        }
    }

    static func answer(_ status: HTTPResponse.Status, _ word: String, _ error: String?) -> Response {
        var text = #"{"status":"\#(word)""#
        if let error { text += #","error":"\#(error.replacingOccurrences(of: "\"", with: "'"))""# }
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text + "}\n"))
        )
    }
}
