import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationEssentialsCompat

/// An HTTP server on loopback that records every request (method, path, headers, body) and
/// answers each with what `answer` says: for tests of what a client sends where.
package final class RecordingServer: Sendable {
    package struct Request: Sendable {
        package var method: String
        package var path: String
        package var headers: [String: String]
        package var body: Data
    }

    package typealias Answer = @Sendable (Request) -> (status: Int, headers: [String: String], body: String)

    private actor Log {
        var requests: [Request] = []
        func record(_ request: Request) { requests.append(request) }
    }

    private let log: Log
    package let url: URL
    private let task: Task<Void, any Error>

    package static func start(_ answer: @escaping Answer) async throws -> RecordingServer {
        let log = Log()
        let router = Router()
        router.on("**", method: .get) { request, _ in try await Self.handle(request, log: log, answer: answer) }
        router.on("**", method: .post) { request, _ in try await Self.handle(request, log: log, answer: answer) }
        let ports = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "recording-server")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in ports.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        let task = Task { try await app.runService() }
        var iterator = ports.stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError("recording server did not start") }
        return RecordingServer(log: log, url: URL(string: "http://127.0.0.1:\(port)")!, task: task)
    }

    private static func handle(_ request: Hummingbird.Request, log: Log, answer: Answer) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let recorded = Request(
            method: request.method.rawValue, path: request.uri.path, headers: headers, body: Data(buffer: body))
        await log.record(recorded)
        let reply = answer(recorded)
        var fields: HTTPFields = [:]
        for (name, value) in reply.headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        return Response(
            status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
    }

    private init(log: Log, url: URL, task: Task<Void, any Error>) {
        self.log = log
        self.url = url
        self.task = task
    }

    deinit { task.cancel() }

    package var requests: [Request] { get async { await log.requests } }
}
