import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Simulator

/// The running-tasks API (`/etl/rest/v1/tasks/{auditId}/?type=stream`) against the simulator.
@Suite struct RunningTasksTests {
    func client(_ harness: SimulatorHarness, key: String = "sim-admin-key") -> HTTPEtlworksClient {
        HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: harness.baseURL, credentials: .apiKey(key), timeout: 10, maxRequestsPerSecond: 0))
    }

    func options(_ quirks: Set<SimulatorQuirk> = []) -> SimulatorOptions {
        var options = SimulatorOptions(flows: 2, runEvery: 600, history: 3600)
        options.streamFlows = 1
        options.streamAge = 1800
        options.quirks = quirks
        return options
    }

    /// The change-data-capture flow's run, and a run of an ordinary flow that is running now.
    func runs(_ harness: SimulatorHarness) async throws -> (stream: SimulatedRun, other: SimulatedRun?) {
        let tenant = await harness.simulator.servedTenant
        let now = await harness.simulator.now()
        let stream = try #require(tenant.flows[2].run(0, at: now))
        let other = tenant.flows.prefix(2).flatMap { tenant.history(flow: $0, since: nil, now: now) }
            .first { $0.status == "running" }
        return (stream, other)
    }

    @Test func readsTheStreamTaskFromTheEtlRestPath() async throws {
        let harness = try await SimulatorHarness.start(options())
        let (stream, _) = try await runs(harness)
        #expect(stream.status == "running")
        let tasks = try await client(harness).runningTasks(flowId: stream.flowId, auditId: stream.auditId, type: "stream")
        let task = try #require(tasks.items.first)
        #expect(tasks.items.count == 1)
        #expect(task.type == "stream")
        #expect(task.latency == 1500)
        #expect((task.recordsProcessed ?? 0) > 1800 * 40 - 1000, "40 records a second for half an hour")
        let counts = try await harness.requestCounts()
        #expect(counts["/etl/rest/v1/tasks/{auditId}"] == 1)
        #expect(counts["/v1/executions/{flowId}/audit/{auditId}/running-tasks"] == nil)
    }

    @Test func aRunWithoutAStreamTaskAnswersNone() async throws {
        let harness = try await SimulatorHarness.start(options([.noEtlTasks]))
        let (stream, other) = try await runs(harness)
        let client = client(harness)
        // The fallback lists every task of the run; only streams are kept.
        if let other {
            let tasks = try await client.runningTasks(flowId: other.flowId, auditId: other.auditId, type: "stream")
            #expect(tasks.items.isEmpty)
        }
        try await harness.control("POST", "/_sim/streams/\(stream.flowId)", ["mode": "down"])
        #expect(try await client.runningTasks(flowId: stream.flowId, auditId: stream.auditId, type: "stream").items.isEmpty)
    }

    @Test func fallsBackToTheExecutionsPathOnA404AndStaysThere() async throws {
        let harness = try await SimulatorHarness.start(options([.noEtlTasks]))
        let (stream, _) = try await runs(harness)
        let client = client(harness)
        for _ in 0..<3 {
            let tasks = try await client.runningTasks(flowId: stream.flowId, auditId: stream.auditId, type: "stream")
            #expect(tasks.items.count == 1)
        }
        let counts = try await harness.requestCounts()
        #expect(counts["/etl/rest/v1/tasks/{auditId}"] == 1, "asked once, then remembered as missing")
        #expect(counts["/v1/executions/{flowId}/audit/{auditId}/running-tasks"] == 3)
    }

    @Test func aKeyWithoutTheAdministratorRoleIsForbidden() async throws {
        let harness = try await SimulatorHarness.start(options())
        let (stream, _) = try await runs(harness)
        await #expect {
            _ = try await client(harness, key: "sim-limited-key").runningTasks(
                flowId: stream.flowId, auditId: stream.auditId, type: "stream")
        } throws: { error in
            guard case APIError.forbidden(let endpoint, 403) = error else { return false }
            return endpoint == "/etl/rest/v1/tasks/{auditId}"
        }
    }

    @Test func decodesTolerantly() throws {
        let body = #"""
            [{"type": "STREAM", "started": "2026-12-04T10:00:00Z", "latency": "250", "recordsProcessed": -3},
             {"type": "load", "recordsProcessed": 9}, 7, {"latency": 12.5, "records": 40}]
            """#
        let page = try RunningTask.decode(Data(body.utf8), type: "stream")
        #expect(page.skipped == 1)
        #expect(page.items.count == 2)
        #expect(page.items[0].started == 1_796_378_400_000)
        #expect(page.items[0].recordsProcessed == 0)
        #expect(page.items[1].latency == 12.5)
        #expect(page.items[1].recordsProcessed == 40)
        #expect(throws: APIDecodingError.self) { try RunningTask.decode(Data(#"{"tasks": []}"#.utf8), type: "stream") }
    }
}
