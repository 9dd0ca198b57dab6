import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Simulator

/// Real instances answer a role that may not call an endpoint with 401 as often as 403, and
/// answer the login path they lack with 401, 404 or 405.
@Suite struct RoleAndLoginTests {
    func client(_ harness: SimulatorHarness, _ credentials: Credentials) -> HTTPEtlworksClient {
        HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: harness.baseURL, credentials: credentials, timeout: 20, maxRequestsPerSecond: 0))
    }

    func options(_ quirks: Set<SimulatorQuirk>, role: SimulatorRole = .administrator) -> SimulatorOptions {
        var options = SimulatorOptions(flows: 5)
        options.quirks = quirks
        options.userRole = role
        return options
    }

    static func refusedForRole(_ status: Int, _ endpoint: String) -> @Sendable (any Error) -> Bool {
        { error in
            guard case APIError.forbidden(let refused, let code) = error else { return false }
            return refused == endpoint && code == status && "\(error)".contains("Administrator")
        }
    }

    @Test func a401ToALoggedInEditorIsARoleRefusalAndCostsOneLoginAtMost() async throws {
        let harness = try await SimulatorHarness.start(options([.role401], role: .editor))
        let api = client(harness, .login(user: "admin", password: "sim-password"))
        #expect(try await api.flows().items.count == 5)
        for _ in 0..<4 {
            await #expect { _ = try await api.dailyExecutions(date: "2026-11-30") } throws: {
                Self.refusedForRole(401, "/v1/metrics/executions")($0)
            }
            #expect(try await api.flows().items.count == 5)
        }
        let counts = try await harness.requestCounts()
        #expect(counts["/v1/metrics/executions"] == 5, "one retry with a fresh token, then none")
        #expect(counts["/v1/token-auth"] == 2, "the first login and one renewal to tell role from token")
    }

    /// With an API key nothing proves the key good at once: the first 401 is a refusal of the
    /// key, the next one, after another endpoint accepted the key, the role's.
    @Test func a401ToAnAPIKeyGoodElsewhereIsARoleRefusal() async throws {
        let harness = try await SimulatorHarness.start(options([.role401]))
        let api = client(harness, .apiKey("sim-limited-key"))
        _ = try await api.flows()
        await #expect { _ = try await api.dailyExecutions(date: "2026-11-30") } throws: { error in
            if case APIError.unauthorized = error { return true } else { return false }
        }
        _ = try await api.flows()
        await #expect { _ = try await api.dailyExecutions(date: "2026-11-30") } throws: {
            Self.refusedForRole(401, "/v1/metrics/executions")($0)
        }
    }

    @Test func aKeyRefusedEverywhereIsABadCredentialNotARole() async throws {
        let harness = try await SimulatorHarness.start(options([.role401]))
        let api = client(harness, .apiKey("expired-key"))
        for _ in 0..<2 {
            await #expect { _ = try await api.flows() } throws: { error in
                if case APIError.unauthorized = error { return true } else { return false }
            }
            await #expect { _ = try await api.dailyExecutions(date: "2026-11-30") } throws: { error in
                if case APIError.unauthorized = error { return true } else { return false }
            }
        }
    }

    /// A key that worked and then expired is refused everywhere: never taken for a role.
    @Test func aKeyThatExpiresIsNeverTakenForARole() async throws {
        let harness = try await SimulatorHarness.start(options([.role401]))
        let api = client(harness, .apiKey("sim-admin-key"))
        _ = try await api.flows()
        _ = try await api.dailyExecutions(date: "2026-11-30")
        try await harness.injectFault(["kind": "status", "status": 401, "count": 100])
        for _ in 0..<3 {
            for call in [{ _ = try await api.flows() }, { _ = try await api.dailyExecutions(date: "2026-11-30") }] {
                await #expect { try await call() } throws: { error in
                    if case APIError.unauthorized = error { return true } else { return false }
                }
            }
        }
    }

    @Test func anOperatorKeyIsRefusedTheFlowListNamingTheRoleItNeeds() async throws {
        let harness = try await SimulatorHarness.start(options([]))
        let api = client(harness, .apiKey("sim-operator-key"))
        await #expect { _ = try await api.flows() } throws: { error in
            guard case APIError.forbidden("/v1/flows", 403) = error else { return false }
            return "\(error)".contains("Editor")
        }
        _ = try await api.history(flowId: SimulatedFlow.id(forIndex: 0), since: nil, limit: 10)
    }

    @Test func loginUsesWhicheverPathTheInstanceHasAndRemembersIt() async throws {
        let harness = try await SimulatorHarness.start(options([.issueLogin]))
        let api = client(harness, .login(user: "admin", password: "sim-password"))
        #expect(try await api.flows().items.count == 5)
        _ = try await harness.control("POST", "/_sim/tokens/revoke")
        #expect(try await api.flows().items.count == 5)
        let counts = try await harness.requestCounts()
        #expect(counts["/v1/token-auth"] == 1, "405 once; the second login goes straight to the path that worked")
        #expect(counts["/v1/token-auth/issue"] == 2)
    }

    @Test func aWrongPasswordIsCalledWrongOnlyAfterBothPaths() async throws {
        let harness = try await SimulatorHarness.start(options([.issueLogin]))
        let api = client(harness, .login(user: "admin", password: "nope"))
        await #expect { _ = try await api.flows() } throws: { error in
            guard case APIError.unauthorized = error else { return false }
            return !"\(error)".contains("nope")
        }
        let counts = try await harness.requestCounts()
        #expect(counts["/v1/token-auth"] == 1 && counts["/v1/token-auth/issue"] == 1)
    }
}
