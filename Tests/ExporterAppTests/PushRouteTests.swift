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

/// With tenants, each tenant's webhook has its own path and receiver (issue #28).
@Suite struct TenantPushRouteTests {
    @Test func eachTenantsPathReachesItsOwnReceiverOnly() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("web.yml").path
        try "basic_auth_users:\n  prometheus: \"\(Bcrypt.hash("scrape-pass", cost: 4))\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let settings = PushSettings(credential: .basic(user: "etl", password: "hook-pass"))
        let states = ["1", "2"].map { _ in
            ExporterState(storagePath: "/tmp/x.db", intervals: [.executions: 30], requests: RequestCounter())
        }
        let receivers = Dictionary(
            uniqueKeysWithValues: zip(["1", "2"], states.map { PushReceiver(settings: settings, state: $0) }))
        let router = ExporterRoutes.router(
            [PushController(settings: settings, receivers: { tenant in tenant.flatMap { receivers[$0] } })],
            authentication: .init(
                authenticator: WebAuthenticator(path: path, config: try WebConfig.load(path: path), logger: Logger(label: "t")),
                healthRequiresAuth: true, onFailure: {}))
        let event = ByteBuffer(
            string: #"{"eventId":"1","eventType":"Flow.Executed","entityId":5,"entityUrl":"https://h/rest/v1/flows/2?auditId=5"}"#
        )
        let hook = PushRouteTests.basic("etl", "hook-pass")
        try await Application(router: router).test(.router) { client in
            func status(_ uri: String, _ authorization: String? = nil) async throws -> HTTPResponse.Status {
                try await client.execute(uri: uri, method: .post, headers: [.authorization: authorization ?? hook], body: event) {
                    $0.status
                }
            }
            let statuses = [
                try await status(PushController.path + "/2"),
                // A duplicate for tenant 2; the same event id is tenant 1's own.
                try await status(PushController.path + "/2"), try await status(PushController.path + "/1"),
                // A tenant not watched; the path without a tenant.
                try await status(PushController.path + "/9"), try await status(PushController.path),
                try await status(PushController.path + "/1", PushRouteTests.basic("etl", "wrong")),
                // Only one segment below the webhook path is open to push credentials.
                try await status(PushController.path + "/1/x"), try await status(PushController.path + "/..")
            ]
            #expect(
                statuses == [
                    .accepted, .accepted, .accepted, .notFound, .notFound, .unauthorized, .unauthorized, .unauthorized
                ])
        }
        let first = await states[0].snapshot().push, second = await states[1].snapshot().push
        #expect(second?.received["Flow.Executed"] == 1 && second?.duplicates == 1)
        #expect(first?.received["Flow.Executed"] == 1 && first?.duplicates == 0 && first?.rejected[.auth] == 1)
    }
}
