import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import SLA
import SLAStore
import Store
import TestSupport
import Testing
import Vocabulary

@testable import ExporterCore
@testable import Simulator

/// Issue #26, item 5: a flow that failed every run the exporter stored is judged from when
/// its own history says it last succeeded, not from the oldest stored run.
@Suite struct SuccessLookbackTests {
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }

    @Test func aFlowFailingLongerThanTheBackfillIsJudgedFromItsOwnHistory() async throws {
        // Ten days of hourly runs; flow 0 has failed every run for the last three days. The
        // exporter backfills one day, so it stores failures only.
        let harness = try await SimulatorHarness.start(
            SimulatorOptions(flows: 3, runEvery: 3600, history: 10 * 86400, hostileNames: false))
        try await harness.control("POST", "/_sim/clock", ["paused": true])
        let simulatorNow = await harness.simulator.now()
        let failing = SimulatedFlow.id(forIndex: 0)
        try await harness.control("POST", "/_sim/flows/\(failing)/fail", ["since": simulatorNow - 3 * 86_400_000])
        let now = Date(timeIntervalSince1970: Double(simulatorNow) / 1000)
        var api = ExporterConfig.API(url: harness.baseURL, credentials: .apiKey("sim-admin-key"))
        api.maxRequestsPerSecond = 0
        api.timeZone = TimeZone(identifier: "UTC")
        var config = ExporterConfig(api: api)
        config.poll.backfill = 86400
        let rule = SLARule(
            name: "fresh", target: .flows(FlowSelector(ids: [failing])), condition: .maxSinceSuccess(seconds: 2 * 86400),
            severity: .critical)
        config.sla = [rule]
        let path = directory.appendingPathComponent("lookback.db").path
        let client = HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: harness.baseURL, credentials: api.credentials, timeout: 5, maxRequestsPerSecond: 0))
        let store = try SQLiteRunStore(path: path)
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        let context = CollectorContext(client: client, store: store, state: state, config: config, now: { now })
        _ = try await FlowsCollector(context: context, logger: Logger(label: "t")).collect()
        _ = try await ExecutionsCollector(context: context, logger: Logger(label: "t")).collect()
        let stored = try #require(await state.snapshot().flows.first { $0.metrics.flow.id == failing })
        #expect(stored.metrics.lastSuccessEnd == nil && stored.metrics.completedRuns[.error, default: 0] >= 20)

        let engine = SLAEngine(
            rules: [rule], store: try SLAStateStore(path: path), runStore: store, host: state, alerts: nil, timeZone: nil,
            logger: Logger(label: "t"))
        try await engine.start(now: now.timeIntervalSince1970)
        let before = try #require(await engine.evaluate(now: now.timeIntervalSince1970).results.first)
        #expect(before.phase == .ok, "judged from the oldest stored run, a day back")
        // The backfill reaches back to yesterday's UTC midnight: 24 to 48 hours, by the time of day.
        #expect((before.measurement.value ?? 0) < 2 * 86400)

        try await harness.control("POST", "/_sim/stats/reset")
        let collector = SuccessLookbackCollector(context: context, logger: Logger(label: "t"))
        _ = try await collector.collect()
        let found = try #require(await state.snapshot().lastSuccessLookedUp[failing])
        #expect(found < now.timeIntervalSince1970 - 3 * 86400 && found > now.timeIntervalSince1970 - 4 * 86400)
        let after = try #require(await engine.evaluate(now: now.timeIntervalSince1970 + 30).results.first)
        #expect(after.phase == .breaching, "three days without a success, as the flow's history says")
        #expect((after.measurement.value ?? 0) > 3 * 86400)
        #expect(try await harness.requestCounts()["/v1/executions/{flowId}/history"] ?? 0 >= 1)

        // Once per flow: neither the next poll nor a restart asks again.
        try await harness.control("POST", "/_sim/stats/reset")
        _ = try await collector.collect()
        let restarted = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await restarted.setFlows(await state.snapshot().flows.map(\.metrics))
        var again = context
        again.state = restarted
        _ = try await SuccessLookbackCollector(context: again, logger: Logger(label: "t")).collect()
        #expect(await restarted.snapshot().lastSuccessLookedUp[failing] == found)
        #expect(try await harness.requestCounts()["/v1/executions/{flowId}/history"] == nil)
    }
}
