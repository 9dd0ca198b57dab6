import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Simulator

/// The HTTP client against the simulator over loopback.
@Suite struct ClientTests {
    static let adminKey = "sim-admin-key"

    func client(
        _ harness: SimulatorHarness, credentials: Credentials = .apiKey(adminKey), timeout: Double = 20,
        rate: Double = 0, pageSize: Int = 200
    ) -> HTTPEtlworksClient {
        HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: harness.baseURL, credentials: credentials, timeout: timeout,
                maxRequestsPerSecond: rate, pageSize: pageSize))
    }

    @Test func pagesThroughEveryFlowWithAnAPIKey() async throws {
        let harness = try await SimulatorHarness.start(SimulatorOptions(flows: 450))
        let flows = try await client(harness).flows()
        #expect(flows.items.count == 450)
        #expect(Set(flows.items.map(\.id)).count == 450)
        #expect(flows.skipped == 0)
        #expect(try await harness.requestCounts()["/v1/flows"] == 3, "200 + 200 + 50")
    }

    @Test func pagingStopsAtAShortPageWithoutTotalCount() async throws {
        let harness = try await SimulatorHarness.start(SimulatorOptions(flows: 100))
        let flows = try await client(harness, pageSize: 40).flows()
        #expect(flows.items.count == 100)
        #expect(try await harness.requestCounts()["/v1/flows"] == 3)
    }

    @Test func aWrongKeyIsUnauthorizedAndTheErrorHoldsNoSecret() async throws {
        let harness = try await SimulatorHarness.start()
        await #expect {
            _ = try await client(harness, credentials: .apiKey("wrong-key-123")).agents()
        } throws: { error in
            guard case APIError.unauthorized = error else { return false }
            return !"\(error)".contains("wrong-key-123")
        }
    }

    @Test func loginMintsAJWTThatIsRefreshedBeforeItExpires() async throws {
        // A 20 s token is renewed in its second half: calls every 0.2 s miss that 10 s window
        // only if the machine stalls for longer (an 8 s token did once, a 3 s one often,
        // under a parallel run on two cores). Two refreshes take about 20 s; a loaded machine
        // is given until 90 s.
        let harness = try await SimulatorHarness.start(SimulatorOptions(jwtLifetime: 20))
        let api = client(harness, credentials: .login(user: "admin", password: "sim-password"))
        let started = Date()
        var counts: [String: Int] = [:]
        while Date().timeIntervalSince(started) < 90 && (counts["/v1/token-auth/refresh"] ?? 0) < 2 {
            for _ in 0..<5 {
                _ = try await api.agents()
                try await Task.sleep(for: .milliseconds(200))
            }
            counts = try await harness.requestCounts()
        }
        #expect((counts["/v1/token-auth"] ?? 0) == 1, "one login, then refreshes")
        #expect((counts["/v1/token-auth/refresh"] ?? 0) >= 2, "a 20 s token is refreshed again and again")
    }

    @Test func aRejectedTokenIsMintedAgainOnceAndTheCallRetried() async throws {
        let harness = try await SimulatorHarness.start(SimulatorOptions(jwtLifetime: 3600))
        let api = client(harness, credentials: .login(user: "admin", password: "sim-password"))
        _ = try await api.agents()
        try await harness.control("POST", "/_sim/tokens/revoke")
        _ = try await api.agents()
        let counts = try await harness.requestCounts()
        #expect(counts["/v1/token-auth"] == 2)
        #expect(counts["/v1/agents"] == 3, "the first call, the 401, and its retry")
    }

    @Test func loginFallsBackToTheOlderIssuePath() async throws {
        let harness = try await SimulatorHarness.start()
        try await harness.injectFault(["kind": "status", "status": 404, "path": "/v1/token-auth", "count": 1])
        let api = client(harness, credentials: .login(user: "admin", password: "sim-password"))
        #expect(try await api.agents().items.count == 3)
        let counts = try await harness.requestCounts()
        #expect(counts["/v1/token-auth"] == 1)
        #expect(counts["/v1/token-auth/issue"] == 1)
    }

    @Test func aWrongPasswordFailsWithoutEchoingIt() async throws {
        let harness = try await SimulatorHarness.start()
        await #expect {
            _ = try await client(harness, credentials: .login(user: "admin", password: "not-the-password")).agents()
        } throws: { error in
            guard case APIError.unauthorized = error else { return false }
            return !"\(error)".contains("not-the-password")
        }
    }

    @Test func theAdminEndpointIsForbiddenToALimitedKey() async throws {
        let harness = try await SimulatorHarness.start()
        await #expect {
            _ = try await client(harness, credentials: .apiKey("sim-limited-key")).dailyExecutions(date: "2026-01-01")
        } throws: { error in
            if case APIError.forbidden = error { return true }
            return false
        }
    }

    @Test func everyEndpointDecodesFromTheSimulator() async throws {
        let harness = try await SimulatorHarness.start(SimulatorOptions(flows: 6, runEvery: 60, history: 86400))
        let api = client(harness)
        let now = await harness.simulator.now()
        let day = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now) / 1000)).prefix(10)
        let daily = try await api.dailyExecutions(date: String(day))
        #expect(!daily.runs.isEmpty)
        #expect(daily.skipped == 0)
        let flow = try #require(daily.runs.first?.flowId)
        let history = try await api.history(flowId: flow, since: now - 3_600_000, limit: 1000)
        #expect(!history.items.isEmpty)
        #expect(history.items.allSatisfy { ($0.created ?? 0) >= now - 3_600_000 })
        let one = try #require(history.items.first)
        #expect(try await api.run(flowId: flow, auditId: one.auditId).auditId == one.auditId)
        let limited = try await api.history(flowId: flow, since: nil, limit: 10)
        #expect(limited.items.count == 10)
        let statuses = try await api.statuses(flowId: flow, from: nil, to: nil)
        #expect(statuses.values.reduce(0, +) > 0)
        #expect(try await api.schedules().items.count == 6)
        #expect(try await api.agents().items.count == 3)
        #expect(try await api.subscription().monthlyAllowance != nil)
        #expect(try await api.systemHealth().up)
        #expect(try await api.systemInfo().version != nil)
        try await harness.control("POST", "/_sim/instance", ["down": true])
        #expect(try await api.systemHealth().up == false, "a 503 with a DOWN body is an answer, not an error")
        await #expect(throws: APIError.self) { _ = try await api.run(flowId: flow, auditId: 7) }
    }

    @Test func retryAfterIsHonouredOn429() async throws {
        let harness = try await SimulatorHarness.start()
        try await harness.injectFault(["kind": "status", "status": 429, "retryAfter": "1", "count": 2, "path": "/v1/agents"])
        let started = Date()
        let agents = try await client(harness).agents()
        #expect(agents.items.count == 3)
        #expect(Date().timeIntervalSince(started) >= 1.9, "two waits of Retry-After: 1")
        #expect(try await harness.requestCounts()["/v1/agents"] == 3)
    }

    @Test func aLongRetryAfterFailsThePollAtOnceAndHoldsLaterRequests() async throws {
        let harness = try await SimulatorHarness.start()
        try await harness.injectFault(["kind": "status", "status": 429, "retryAfter": "2", "count": 1, "path": "/v1/agents"])
        let api = HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: harness.baseURL, credentials: .apiKey(Self.adminKey), maxRequestsPerSecond: 0, maxRetryWait: 1))
        let started = Date()
        await #expect {
            _ = try await api.agents()
        } throws: { error in
            guard case APIError.rateLimited(_, 429, let wait) = error else { return false }
            return wait == 2
        }
        #expect(try await harness.requestCounts()["/v1/agents"] == 1, "no retry inside the call")
        _ = try await api.subscription()
        #expect(Date().timeIntervalSince(started) >= 1.9, "the next request waited out the Retry-After")
    }

    @Test func a503WithoutRetryAfterBacksOffAndRetries() async throws {
        let harness = try await SimulatorHarness.start()
        try await harness.injectFault(["kind": "status", "status": 503, "count": 1])
        #expect(try await client(harness).subscription().tier == "Business")
    }

    @Test func faultsFailTheCallWithAClearErrorAndNoSecret() async throws {
        let harness = try await SimulatorHarness.start()
        // Timeout 5 s against a 12 s delay: the suites run in parallel with the end-to-end ones,
        // and a loaded 2-core CI machine once took over 2 s to answer an ordinary request.
        let api = client(harness, timeout: 5)
        let cases: [([String: Any], (APIError) -> Bool)] = [
            (
                ["kind": "status", "status": 500, "count": 1],
                {
                    if case .http(_, 500, _) = $0 { return true }; return false
                }
            ),
            (
                ["kind": "malformed", "count": 1],
                {
                    if case .decoding = $0 { return true }; return false
                }
            ),
            (
                ["kind": "truncated", "count": 1],
                {
                    if case .decoding = $0 { return true }; return false
                }
            ),
            (
                ["kind": "drop", "count": 1],
                {
                    if case .transport = $0 { return true }; return false
                }
            ),
            (
                ["kind": "slow", "delaySeconds": 12, "count": 1],
                {
                    if case .transport(_, let message) = $0 { return message.contains("timed out") }; return false
                }
            )
        ]
        // Agents: an ordinary call (the flow list has the longer timeout of large answers).
        for (fault, matches) in cases {
            try await harness.injectFault(fault)
            do {
                _ = try await api.agents()
                Issue.record("\(fault) did not fail the call")
            } catch let error as APIError {
                #expect(matches(error), "\(fault) gave \(error)")
                #expect(!"\(error)".contains(Self.adminKey))
            }
            try await harness.control("DELETE", "/_sim/faults")
        }
        #expect(try await api.agents().items.count == 3, "the client works again once the faults stop")
    }

    @Test func requestsAreSpacedByTheRateLimit() async throws {
        let harness = try await SimulatorHarness.start()
        let api = client(harness, rate: 10)
        let started = Date()
        for _ in 0..<11 { _ = try await api.systemInfo() }
        #expect(Date().timeIntervalSince(started) >= 0.95, "11 requests at 10/s take at least a second")
    }
}
