import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationEssentialsCompat

/// Serves an `EtlworksSimulator` over HTTP with Hummingbird.
public enum SimulatorServer {
    /// Thrown inside a response body to make the server close the connection mid-answer.
    struct DroppedConnection: Error {}

    /// An application serving `simulator` on `host:port` (port 0 picks a free one);
    /// `onListening` receives the bound port.
    public static func application(
        simulator: EtlworksSimulator, host: String, port: Int, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            let answer = await simulator.handle(
                SimulatorRequest(
                    method: request.method.rawValue, path: request.uri.path, query: query,
                    authorization: request.headers[.authorization], body: Data(buffer: body)))
            if answer.delay > 0 { try await Task.sleep(for: .seconds(answer.delay)) }
            var headers = HTTPFields()
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
            let bytes = ByteBuffer(data: answer.body)
            if answer.dropConnection {
                headers[.contentLength] = String(bytes.readableBytes * 4)
                return Response(
                    status: .init(code: answer.status), headers: headers,
                    body: ResponseBody { writer in
                        try await writer.write(bytes)
                        throw DroppedConnection()
                    })
            }
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: bytes))
        }
        router.get("**", use: handler)
        router.post("**", use: handler)
        router.delete("**", use: handler)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "etlworks-simulator"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
