import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Simulator

/// A Super Admin's client per tenant (issue #28): runs by `tenantId`, the rest under a token
/// switched to the tenant once, not per request.
@Suite struct TenantClientTests {
    func admin(_ harness: SimulatorHarness, _ credentials: Credentials) -> HTTPEtlworksClient {
        HTTPEtlworksClient(configuration: ClientConfiguration(baseURL: harness.baseURL, credentials: credentials, timeout: 20))
    }

    func tenantHarness() async throws -> SimulatorHarness {
        var options = SimulatorOptions(flows: 3, runEvery: 600, history: 86400, hostileNames: false)
        options.tenants = 3
        options.refusedTenants = [3]
        return try await SimulatorHarness.start(options)
    }

    @Test(arguments: [Credentials.login(user: "admin", password: "sim-password"), .apiKey("sim-admin-key")])
    func eachTenantIsReadInItsOwnContextWithOneSwitch(_ credentials: Credentials) async throws {
        let harness = try await tenantHarness()
        let admin = admin(harness, credentials)
        let tenants = try await admin.tenants().items
        #expect(tenants == (1...3).map { Tenant(id: String($0), name: "tenant \($0)") })
        let first = admin.forTenant("1"), second = admin.forTenant("2")
        let ownFlows = try await first.flows().items, otherFlows = try await second.flows().items
        #expect(Set(ownFlows.map(\.id)) == Set(otherFlows.map(\.id)), "the same flow ids")
        for _ in 0..<3 {
            _ = try await second.flows()
            _ = try await second.agents()
            _ = try await second.schedules()
        }
        let day = try await second.dailyExecutions(offset: 0).runs
        let ownDay = try await first.dailyExecutions(offset: 0).runs
        #expect(!day.isEmpty && day.map(\.auditId) != ownDay.map(\.auditId), "another tenant's runs")
        let counts = try await harness.requestCounts()
        #expect(counts["/v1/token-auth/tenants/{id}"] == 2, "one switch per tenant, whatever the number of calls")
        #expect(counts["/v1/metrics/executions"] == 2)
    }

    @Test func aRefusedSwitchFailsThatTenantOnlyAndIsNotAskedAgainAtOnce() async throws {
        let harness = try await tenantHarness()
        let admin = admin(harness, .login(user: "admin", password: "sim-password"))
        let refused = admin.forTenant("3")
        for _ in 0..<3 {
            await #expect {
                _ = try await refused.flows()
            } throws: { error in
                if case APIError.forbidden("/v1/token-auth/tenants/{id}", 403) = error { return true }
                return false
            }
        }
        #expect(try await admin.forTenant("2").flows().items.count == 3, "another tenant is unaffected")
        #expect(try await refused.dailyExecutions(offset: 0).runs.count >= 0, "its runs still read by tenantId")
        let counts = try await harness.requestCounts()
        #expect(counts["/v1/token-auth/tenants/{id}"] == 2, "the refused tenant asked once, tenant 2 once")
        #expect(counts["/v1/token-auth"] == 1, "one login of the Super Admin for all")
    }

    @Test func tenantIdsAreNumbersOrSafeStrings() throws {
        let page = try Tenant.decodeList(
            Data(
                #"[{"id": 4, "name": "eu"}, {"id": "acme-prod", "name": "Acme"}, {"id": "../x"}, {"id": ".."}, {"name": "none"}]"#
                    .utf8))
        #expect(page.items == [Tenant(id: "4", name: "eu"), Tenant(id: "acme-prod", name: "Acme")])
        #expect(page.skipped == 3)
    }
}
