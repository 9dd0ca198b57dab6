import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// An HTTP server on loopback that records every POST and answers with the next status of a
/// script (200 once the script runs out).
package final class WebhookReceiver: Sendable {
    package struct Received: Sendable {
        package var body: Data
        package var headers: [String: String]
    }

    package actor Log {
        package var received: [Received] = []
        var statuses: [Int]
        init(statuses: [Int]) { self.statuses = statuses }
        func record(_ item: Received) -> Int {
            received.append(item)
            return statuses.isEmpty ? 200 : statuses.removeFirst()
        }
    }

    package let log: Log
    package let url: URL
    private let task: Task<Void, Error>

    package static func start(statuses: [Int] = []) async throws -> WebhookReceiver {
        let log = Log(statuses: statuses)
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let status = await log.record(Received(body: Data(buffer: body), headers: headers))
            return Response(status: .init(code: status))
        }
        let ports = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in ports.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        let task = Task { try await app.runService() }
        var iterator = ports.stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError("receiver did not start") }
        return WebhookReceiver(log: log, url: URL(string: "http://127.0.0.1:\(port)/hook")!, task: task)
    }

    private init(log: Log, url: URL, task: Task<Void, Error>) {
        self.log = log
        self.url = url
        self.task = task
    }

    deinit { task.cancel() }

    package var received: [Received] { get async { await log.received } }
}
