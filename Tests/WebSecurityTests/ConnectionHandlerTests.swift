import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import WebSecurity

/// The connection handlers the server adds: the stalled-write closer and the connection cap.
@Suite struct ConnectionHandlerTests {
    /// The write-idle timeout closed connections whose handler had not written yet (a series
    /// query waiting for its turn); it now closes only a response that stopped moving.
    @Test func onlyAStartedResponseIsClosedWhenItsWritesStall() throws {
        let channel = EmbeddedChannel(handler: StalledWriteCloser())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.write)
        #expect(channel.isActive, "no response started: the handler may still be working")

        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.write)
        #expect(channel.isActive, "the response was written whole")

        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.write)
        #expect(!channel.isActive, "a started response whose writes stalled is closed")
    }

    /// Beyond `web.max_connections`, a new connection is closed as it is accepted; those open
    /// stay served, and a closed one frees its place.
    @Test func connectionsBeyondTheLimitAreClosedAtOnce() throws {
        let limit = ConnectionLimit(maximum: 2)
        func open() throws -> EmbeddedChannel {
            let channel = EmbeddedChannel()
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try channel.pipeline.syncOperations.addHandler(limit.handler())
            return channel
        }
        let first = try open()
        let second = try open()
        let third = try open()
        #expect(first.isActive && second.isActive)
        #expect(!third.isActive, "the third is refused")
        #expect(limit.current == 2)
        _ = try first.finish()
        #expect(limit.current == 1, "a closed connection frees its place")
        let fourth = try open()
        #expect(fourth.isActive)
        #expect(limit.current == 2)
    }
}
