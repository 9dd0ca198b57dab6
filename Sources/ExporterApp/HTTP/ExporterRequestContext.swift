import Hummingbird
import NIOCore

/// The request context of the exporter's routes: Hummingbird's basic context, plus the
/// connection's close future, so that long work for a client that has gone (a queued or
/// running series query) can stop instead of running on for nobody.
public struct ExporterRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Completes when the client's connection closes.
    public let connectionClosed: EventLoopFuture<Void>

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        connectionClosed = source.channel.closeFuture
    }
}
