import EtlworksAPI
import Foundation
import TestSupport
import Testing

/// A redirect to another origin (a compromised proxy, a typo'd URL answered by someone else)
/// must not take the API key, a minted token or the login password with it.
@Suite struct RedirectTests {
    /// An "API" that sends every request to `elsewhere` with the given status.
    static func redirector(to elsewhere: URL, status: Int) async throws -> RecordingServer {
        try await RecordingServer.start { request in
            (status, ["Location": elsewhere.appendingPathComponent(request.path).absoluteString], "")
        }
    }

    @Test(arguments: [301, 302, 307, 308])
    func anAPIKeyIsNotSentToAnotherOrigin(status: Int) async throws {
        let elsewhere = try await RecordingServer.start { _ in (200, [:], "[]") }
        let api = try await Self.redirector(to: elsewhere.url, status: status)
        let client = HTTPEtlworksClient(
            configuration: ClientConfiguration(baseURL: api.url, credentials: .apiKey("AK-secret-key-123")))
        let error = await #expect(throws: APIError.self) { _ = try await client.flows() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("another origin"), "\(String(describing: error))")
        let stolen = await elsewhere.requests
        #expect(stolen.isEmpty, "\(stolen.map { "\($0.method) \($0.path) \($0.headers)" })")
    }

    @Test(arguments: [307, 308])
    func theLoginPasswordIsNotSentToAnotherOrigin(status: Int) async throws {
        let elsewhere = try await RecordingServer.start { _ in (200, [:], #"{"token":"t"}"#) }
        let api = try await Self.redirector(to: elsewhere.url, status: status)
        let client = HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: api.url, credentials: .login(user: "admin", password: "pw-Zq8-secret")))
        await #expect(throws: APIError.self) { _ = try await client.flows() }
        let stolen = await elsewhere.requests
        #expect(stolen.allSatisfy { !String(decoding: $0.body, as: UTF8.self).contains("pw-Zq8-secret") })
        #expect(stolen.isEmpty)
    }

    @Test func aRedirectWithinTheSameOriginIsFollowed() async throws {
        let api = try await RecordingServer.start { request in
            request.path.hasSuffix("/v1/flows")
                ? (307, ["Location": "/rest/v1/moved-flows"], "") : (200, ["Content-Type": "application/json"], "[]")
        }
        let client = HTTPEtlworksClient(configuration: ClientConfiguration(baseURL: api.url, credentials: .apiKey("AK-1")))
        _ = try await client.flows()
        let requests = await api.requests
        #expect(requests.map(\.path) == ["/rest/v1/flows", "/rest/v1/moved-flows"])
        #expect(requests.last?.headers["authorization"] == "Bearer AK-1")
    }
}
