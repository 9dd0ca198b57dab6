import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Simulator

/// An older server may ignore `offset` and answer the first page every time.
@Suite struct PagingQuirkTests {
    @Test func aServerIgnoringOffsetCostsOnePageMoreAndNothingTwice() async throws {
        var options = SimulatorOptions(flows: 450)
        options.quirks = [.ignoreOffset]
        let harness = try await SimulatorHarness.start(options)
        let api = HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: harness.baseURL, credentials: .apiKey("sim-admin-key"), timeout: 20, maxRequestsPerSecond: 0))
        let flows = try await api.flows()
        #expect(flows.items.count == 200, "all the server will give")
        #expect(Set(flows.items.map(\.id)).count == 200)
        #expect(try await harness.requestCounts()["/v1/flows"] == 2, "the repeated page ends the reading")
    }

    @Test func overlappingPagesKeepEachItemOnce() async throws {
        let harness = try await SimulatorHarness.start(SimulatorOptions(flows: 3, runEvery: 60, history: 86400))
        let api = HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: harness.baseURL, credentials: .apiKey("sim-admin-key"), timeout: 20, maxRequestsPerSecond: 0,
                pageSize: 50))
        let flow = SimulatedFlow.id(forIndex: 0)
        // Runs keep being queued while the pages are read: a run may move to the next page.
        let runs = try await api.history(flowId: flow, since: nil, limit: 10_000)
        #expect(Set(runs.items.map(\.auditId)).count == runs.items.count)
    }
}
