import Foundation
import Simulator
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The simulator as a dedicated instance with tenants (issue #28): the Super Admin lists
/// them, switches into one with `POST /v1/token-auth/tenants/{id}` (a token that keeps its
/// tenant, refreshed too), or reads one tenant's runs with `tenantId` on the Reporting API;
/// tenants' flow ids overlap; one tenant's switch can be refused.
struct SimulatorTenantsTests {
    func call(
        _ harness: SimulatorHarness, _ method: String, _ path: String, token: String = "sim-admin-key", query: String = ""
    ) async throws -> (Int, Any?) {
        var components = URLComponents(url: harness.baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.query = query }
        var request = URLRequest(url: components.url!, timeoutInterval: 10)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if method == "POST" { request.httpBody = Data("{}".utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONSerialization.jsonObject(with: data))
    }

    static func canonical(_ value: Any?) throws -> Data {
        try JSONSerialization.data(withJSONObject: value ?? NSNull(), options: [.sortedKeys, .fragmentsAllowed])
    }

    /// Flow id → name, as the flow list of the token's tenant gives it.
    func flows(_ harness: SimulatorHarness, token: String) async throws -> [Int: String] {
        let (status, body) = try await call(harness, "GET", "/rest/v1/flows", token: token)
        #expect(status == 200)
        let items = (body as? [[String: Any]]) ?? ((body as? [String: Any])?["content"] as? [[String: Any]]) ?? []
        return Dictionary(items.compactMap { item in (item["id"] as? Int).map { ($0, item["name"] as? String ?? "") } }) { a, _ in
            a
        }
    }

    @Test func tenantsAreListedSwitchedIntoAndKeptApart() async throws {
        var options = SimulatorOptions(flows: 3, runEvery: 600, history: 86400, hostileNames: false)
        options.tenants = 3
        options.refusedTenants = [3]
        let harness = try await SimulatorHarness.start(options)
        let (status, listed) = try await call(harness, "GET", "/rest/v1/tenants")
        #expect(status == 200)
        #expect((listed as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [1, 2, 3])
        #expect(try await call(harness, "GET", "/rest/v1/tenants", token: "sim-limited-key").0 == 403, "Super Admin only")

        let (switched, answer) = try await call(harness, "POST", "/rest/v1/token-auth/tenants/2")
        #expect(switched == 200)
        let token = try #require((answer as? [String: Any])?["token"] as? String)
        let own = try await flows(harness, token: "sim-admin-key"), second = try await flows(harness, token: token)
        #expect(Set(own.keys) == Set(second.keys), "the tenants' flow ids overlap")
        let (refreshed, renewed) = try await call(harness, "POST", "/rest/v1/token-auth/refresh", token: token)
        #expect(refreshed == 200)
        let newToken = try #require((renewed as? [String: Any])?["token"] as? String)
        #expect(try await flows(harness, token: newToken) == second, "a refreshed token keeps its tenant")

        #expect(try await call(harness, "POST", "/rest/v1/token-auth/tenants/3").0 == 403, "a refused switch")
        #expect(try await call(harness, "POST", "/rest/v1/token-auth/tenants/9").0 == 404)
        #expect(try await call(harness, "POST", "/rest/v1/token-auth/tenants/2", token: "wrong").0 == 401)

        // tenantId on the Reporting API reads that tenant's runs with the Super Admin's key.
        let (_, ownDay) = try await call(harness, "GET", "/rest/v1/metrics/executions")
        let (_, secondDay) = try await call(harness, "GET", "/rest/v1/metrics/executions", query: "tenantId=2")
        let (_, viaToken) = try await call(harness, "GET", "/rest/v1/metrics/executions", token: token)
        #expect(try Self.canonical(secondDay) == Self.canonical(viaToken))
        #expect(try Self.canonical(secondDay) != Self.canonical(ownDay), "the same flow ids ran other runs")
        #expect(try await call(harness, "GET", "/rest/v1/metrics/executions", query: "tenantId=7").0 == 400)
        // The ground truth of each tenant, for tests that count them apart.
        let (_, truthOne) = try await call(harness, "GET", "/_sim/runs", query: "tenant=1")
        let (_, truthTwo) = try await call(harness, "GET", "/_sim/runs", query: "tenant=2")
        #expect(try Self.canonical(truthOne) != Self.canonical(truthTwo))
        #expect(try await call(harness, "GET", "/_sim/runs", query: "tenant=4").0 == 400)
        #expect(
            try await call(harness, "GET", "/rest/v1/metrics/executions", token: "sim-limited-key", query: "tenantId=2").0 == 403)
    }

    @Test func withoutTenantsThereAreNoTenantEndpoints() async throws {
        let harness = try await SimulatorHarness.start(SimulatorOptions(flows: 2, hostileNames: false))
        #expect(try await call(harness, "GET", "/rest/v1/tenants").0 == 404)
        // Not a tenant endpoint: an ordinary POST the API does not take.
        #expect(try await call(harness, "POST", "/rest/v1/token-auth/tenants/1").0 != 200)
    }
}
