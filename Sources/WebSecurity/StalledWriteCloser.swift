import NIOCore
import NIOHTTPTypes

/// Closes the connection when `IdleStateHandler` reports that no write completed for its
/// write timeout while a response is being written (a client that stopped reading). Before
/// a response starts, the handler may rightly be working (a queued series query): a quiet
/// connection then is left to the read-idle timeout instead.
final class StalledWriteCloser: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// From a response's head until its end has been written out.
    private var responding = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head:
            responding = true
            context.write(data, promise: promise)
        case .end:
            let written = promise ?? context.eventLoop.makePromise()
            written.futureResult.whenComplete { [weak self] _ in self?.responding = false }
            context.write(data, promise: written)
        case .body:
            context.write(data, promise: promise)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .write {
            if responding { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
