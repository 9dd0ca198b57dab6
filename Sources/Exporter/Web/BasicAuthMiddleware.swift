import Hummingbird
import HTTPTypes
import NIOCore

/// Asks for the web configuration's basic-auth users on every path but the ones left
/// open (liveness and readiness probes; /health when so configured), and counts failures.
struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: WebAuthenticator
    let open: Set<String>
    let state: ExporterState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if open.contains(request.uri.path) { return try await next(request, context) }
        if await authenticator.authenticate(request.headers[.authorization]) { return try await next(request, context) }
        await state.recordAuthFailure()
        return Response(status: .unauthorized,
                        headers: [.wwwAuthenticate: "Basic realm=\"etlworks-exporter\", charset=\"UTF-8\"",
                                  .contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
    }
}
