import ExporterConfiguration
import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NIOFoundationEssentialsCompat
import TestSupport
import Testing
import Vocabulary
import WebSecurity

@testable import ExporterApp
@testable import ExporterCore

/// The webhook endpoint beside the web configuration's basic auth: each set of credentials
/// opens its own door and no other.
@Suite struct PushRouteTests {
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func pushAndScrapeCredentialsOpenOnlyTheirOwnPaths() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("web.yml").path
        let hash = Bcrypt.hash("scrape-pass", cost: 4)
        try "basic_auth_users:\n  prometheus: \"\(hash)\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let state = ExporterState(storagePath: "/tmp/x.db", intervals: [.executions: 30], requests: RequestCounter())
        let settings = PushSettings(credential: .basic(user: "etl", password: "hook-pass"))
        let receiver = PushReceiver(settings: settings, state: state)
        let router = ExporterRoutes.router(
            [MetricsController(state: state), PushController(settings: settings, receiver: receiver)],
            authentication: .init(
                authenticator: WebAuthenticator(path: path, config: try WebConfig.load(path: path), logger: Logger(label: "t")),
                healthRequiresAuth: true, onFailure: {}))
        let event = ByteBuffer(
            string: #"{"eventId":"1","eventType":"Flow.Executed","entityId":5,"entityUrl":"https://h/rest/v1/flows/2?auditId=5"}"#
        )
        try await Application(router: router).test(.router) { client in
            func status(_ method: HTTPRequest.Method, _ uri: String, _ authorization: String) async throws -> HTTPResponse.Status
            {
                try await client.execute(
                    uri: uri, method: method, headers: [.authorization: authorization], body: method == .post ? event : nil
                ) { $0.status }
            }
            let statuses = [
                try await status(.post, PushController.path, Self.basic("prometheus", "scrape-pass")),
                try await status(.get, "/metrics", Self.basic("etl", "hook-pass")),
                try await status(.get, "/metrics", Self.basic("prometheus", "scrape-pass")),
                try await status(.post, PushController.path, Self.basic("etl", "hook-pass")),
                try await status(.post, PushController.path, Self.basic("etl", "hook-pass"))
            ]
            // The scrape's user cannot push, the push's user cannot scrape; the second push is a duplicate.
            #expect(statuses == [.unauthorized, .unauthorized, .ok, .accepted, .accepted])
        }
        let stats = await state.snapshot().push
        #expect(stats?.rejected[.auth] == 1 && stats?.received["Flow.Executed"] == 1 && stats?.duplicates == 1)
    }
}
