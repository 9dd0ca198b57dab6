import NIOCore
import Synchronization

/// At most `maximum` connections open at once (`web.max_connections`): a connection beyond
/// it is closed as soon as it is accepted, while those established go on being served, so
/// that a flood of idle connections cannot exhaust the process's descriptors or memory.
package final class ConnectionLimit: Sendable {
    package let maximum: Int
    private let open = Atomic(0)

    package init(maximum: Int) { self.maximum = maximum }

    package var current: Int { open.load(ordering: .relaxed) }

    /// The handler for one new connection.
    func handler() -> Counter { Counter(limit: self) }

    fileprivate func acquire() -> Bool {
        guard open.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue > maximum else { return true }
        open.wrappingSubtract(1, ordering: .acquiringAndReleasing)
        return false
    }

    fileprivate func release() { open.wrappingSubtract(1, ordering: .acquiringAndReleasing) }

    /// Counts its connection while it is open, or closes it at once when the limit is reached.
    final class Counter: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        private let limit: ConnectionLimit
        private var counted = false

        fileprivate init(limit: ConnectionLimit) { self.limit = limit }

        func handlerAdded(context: ChannelHandlerContext) {
            if limit.acquire() {
                counted = true
            } else {
                context.close(promise: nil)
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            guard counted else { return }
            counted = false
            limit.release()
        }
    }
}
