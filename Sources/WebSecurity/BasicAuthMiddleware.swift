import HTTPTypes
import Hummingbird
import NIOCore

/// Asks for the web configuration's basic-auth users on every path but the ones left
/// open (liveness and readiness probes; /health when so configured), and counts failures.
package struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: WebAuthenticator
    let open: Set<String>
    /// Counts a refused request (the live state's auth-failure counter, in the daemon).
    let onFailure: @Sendable () async -> Void

    package init(authenticator: WebAuthenticator, open: Set<String>, onFailure: @escaping @Sendable () async -> Void) {
        self.authenticator = authenticator
        self.open = open
        self.onFailure = onFailure
    }

    /// Whether `path` is open: listed, or one segment below a listed `…/*` (a webhook's
    /// tenant id; never `.` or `..`, which could lead elsewhere).
    static func isOpen(_ path: String, _ open: Set<String>) -> Bool {
        if open.contains(path) { return true }
        guard let slash = path.lastIndex(of: "/"), open.contains(path[...slash] + "*") else { return false }
        let segment = path[path.index(after: slash)...]
        return !segment.isEmpty && segment != "." && segment != ".."
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if Self.isOpen(request.uri.path, open) { return try await next(request, context) }
        switch await authenticator.authenticate(request.headers[.authorization]) {
        case .allowed:
            return try await next(request, context)
        case .busy:
            return Response(
                status: .tooManyRequests, headers: [.retryAfter: "1", .contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "Too many login checks at once; retry shortly\n")))
        case .refused:
            break
        }
        await onFailure()
        return Response(
            status: .unauthorized,
            headers: [
                .wwwAuthenticate: "Basic realm=\"etlworks-exporter\", charset=\"UTF-8\"",
                .contentType: "text/plain; charset=utf-8"
            ],
            body: .init(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
    }
}
