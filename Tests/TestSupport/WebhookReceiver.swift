import Foundation
import Synchronization

/// A webhook receiver on loopback: records every POST and answers with the next status of a
/// script (200 once the script runs out).
package final class WebhookReceiver: Sendable {
    private let server: RecordingServer

    /// Where to send events.
    package var url: URL { server.url.appendingPathComponent("hook") }

    package static func start(statuses: [Int] = []) async throws -> WebhookReceiver {
        let script = Mutex(statuses)
        let server = try await RecordingServer.start { _ in
            (script.withLock { $0.isEmpty ? 200 : $0.removeFirst() }, [:], "")
        }
        return WebhookReceiver(server: server)
    }

    private init(server: RecordingServer) { self.server = server }

    /// What was posted, in order.
    package var received: [RecordingServer.Request] {
        get async { await server.requests.filter { $0.method == "POST" } }
    }
}
