import Hummingbird
import WebSecurity

/// A feature's routes, registered on the exporter's router.
public protocol ExporterController: Sendable {
    func register(on router: Router<ExporterRequestContext>)
    /// Paths that check credentials of their own, left open by the web configuration's basic auth.
    var openPaths: Set<String> { get }
}

extension ExporterController {
    public var openPaths: Set<String> { [] }
}

/// The exporter's HTTP endpoints: basic auth in front (with a web configuration), then each
/// controller's routes.
public enum ExporterRoutes {
    /// Authentication of every path but the probes (and /health, when so configured).
    public struct Authentication: Sendable {
        public var authenticator: WebAuthenticator
        public var healthRequiresAuth: Bool
        /// Counts a refused request.
        public var onFailure: @Sendable () async -> Void

        public init(
            authenticator: WebAuthenticator, healthRequiresAuth: Bool, onFailure: @escaping @Sendable () async -> Void
        ) {
            self.authenticator = authenticator
            self.healthRequiresAuth = healthRequiresAuth
            self.onFailure = onFailure
        }
    }

    public static func router(
        _ controllers: [any ExporterController], authentication: Authentication? = nil
    ) -> Router<ExporterRequestContext> {
        let router = Router(context: ExporterRequestContext.self)
        if let authentication {
            // Probes never carry credentials; /health may be left open for load balancers.
            var open: Set<String> = Set(["/-/healthy", "/-/ready"]).union(controllers.flatMap(\.openPaths))
            if !authentication.healthRequiresAuth { open.insert("/health") }
            router.add(
                middleware: BasicAuthMiddleware(
                    authenticator: authentication.authenticator, open: open, onFailure: authentication.onFailure))
        }
        for controller in controllers { controller.register(on: router) }
        return router
    }
}
