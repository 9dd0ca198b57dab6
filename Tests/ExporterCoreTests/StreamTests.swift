import ExporterBase
import ExporterConfiguration
import Exposition
import Foundation
import Logging
import SLA
import Synchronization
import TestSupport
import Testing
import Vocabulary

@testable import EtlworksAPI
@testable import ExporterCore
@testable import Simulator
@testable import Store

/// A stream's counters and evidence, folded from running-tasks answers. Pure.
@Suite struct StreamStatusTests {
    @Test func recordsOnlyGrowAcrossTaskRestartsAndNewRuns() {
        var stream = StreamStatus()
        stream.observe(auditId: 7, runStarted: 1000, counter: 500, latencySeconds: 2, taskStarted: 1000, at: 10_000)
        #expect(stream.recordsProcessed == 500)
        #expect(stream.lastProgress == 10_000)
        stream.observe(auditId: 7, runStarted: 1000, counter: 800, latencySeconds: 1, taskStarted: 1000, at: 20_000)
        #expect(stream.recordsProcessed == 800)
        // The task restarted: its counter starts again from zero.
        stream.observe(auditId: 7, runStarted: 1000, counter: 50, latencySeconds: 1, taskStarted: 25_000, at: 30_000)
        #expect(stream.recordsProcessed == 850)
        #expect(stream.started == 25_000)
        // A new run: its counter is all new, even when larger than the last one.
        stream.observe(auditId: 9, runStarted: 40_000, counter: 900, latencySeconds: 1, taskStarted: 40_000, at: 50_000)
        #expect(stream.recordsProcessed == 1750)
        #expect(stream.runStarted == 40_000)
    }

    @Test func quietSinceIsTheEvidenceOfAStall() {
        var stream = StreamStatus()
        #expect(stream.quietSince == nil)
        // Never seen up: quiet since the run started.
        stream.observe(auditId: 1, runStarted: 1000, counter: nil, latencySeconds: nil, taskStarted: nil, at: 5000)
        #expect(stream.up == false)
        #expect(stream.quietSince == 1000)
        stream.observe(auditId: 1, runStarted: 1000, counter: 10, latencySeconds: 3, taskStarted: 900, at: 6000)
        #expect(stream.quietSince == 6000)
        // Up without progress: quiet since the last progress.
        stream.observe(auditId: 1, runStarted: 1000, counter: 10, latencySeconds: 3, taskStarted: 900, at: 9000)
        #expect(stream.quietSince == 6000)
        #expect(stream.lastUp == 9000)
        // Down: quiet since it was last up.
        stream.observe(auditId: 1, runStarted: 1000, counter: nil, latencySeconds: nil, taskStarted: nil, at: 12_000)
        #expect(stream.quietSince == 9000)
        #expect(stream.latencySeconds == nil)
        stream.ended()
        #expect(stream.quietSince == nil)
        #expect(stream.up == nil)
    }
}

/// `StreamsCollector` against the simulator's change-data-capture flow, with a real store.
@Suite struct StreamsCollectorTests {
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }

    /// The collectors' clock, moved with the simulator's.
    final class TestClock: Sendable {
        let date = Mutex(Date())
        var now: @Sendable () -> Date { { self.date.withLock { $0 } } }
    }

    struct Setup {
        let harness: SimulatorHarness
        let context: CollectorContext
        let clock: TestClock
        let streamFlow: Int64

        func advance(_ seconds: Double) async throws {
            try await harness.control("POST", "/_sim/clock", ["advanceSeconds": seconds])
            clock.date.withLock { $0 += seconds }
        }

        func poll(_ collector: StreamsCollector) async throws {
            _ = try await ExecutionsCollector(context: context, logger: Logger(label: "t")).collect()
            _ = try await collector.collect()
        }

        /// The value of `family` for the stream flow, nil when absent.
        func value(_ family: String) async -> Double? {
            let text = String(
                decoding: MetricsRenderer.render(await context.state.snapshot(), format: .prometheusText), as: UTF8.self)
            let line = text.split(separator: "\n").first { $0.hasPrefix("\(family){flow_id=\"\(streamFlow)\"") }
            return line.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
    }

    func setup(key: String = "sim-admin-key", database: String? = nil, quirks: Set<SimulatorQuirk> = []) async throws -> Setup {
        var options = SimulatorOptions(flows: 3, runEvery: 600, history: 3600, hostileNames: false)
        options.streamFlows = 1
        options.streamAge = 3600
        options.quirks = quirks
        let harness = try await SimulatorHarness.start(options)
        // Records grow with the simulator's clock: only the test moves it.
        try await harness.control("POST", "/_sim/clock", ["paused": true])
        let clock = TestClock()
        var api = ExporterConfig.API(url: harness.baseURL, credentials: .apiKey(key))
        api.maxRequestsPerSecond = 0
        api.timeZone = TimeZone(identifier: "UTC")
        var config = ExporterConfig(api: api)
        config.poll.backfill = 86400
        let client = HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: harness.baseURL, credentials: api.credentials, timeout: 5, maxRequestsPerSecond: 0))
        let store = try SQLiteRunStore(path: directory.appendingPathComponent(database ?? "\(UUID().uuidString).db").path)
        let state = ExporterState(storagePath: "", intervals: [:], requests: RequestCounter())
        let context = CollectorContext(client: client, store: store, state: state, config: config, now: clock.now)
        _ = try await SchedulesCollector(context: context, logger: Logger(label: "t")).collect()
        return Setup(harness: harness, context: context, clock: clock, streamFlow: SimulatedFlow.id(forIndex: 3))
    }

    @Test func aRunWithAStreamTaskMakesItsFlowAStreamWithItsOwnMetrics() async throws {
        let setup = try await setup()
        let collector = StreamsCollector(context: setup.context, logger: Logger(label: "t"))
        try await setup.poll(collector)
        #expect(await setup.context.state.flowKinds()[setup.streamFlow] == .streaming)
        let scheduled = try #require(await setup.context.state.flowKinds()[SimulatedFlow.id(forIndex: 0)])
        #expect(scheduled == .scheduled, "an ordinary run is asked once and stays what it was")
        #expect(await setup.value("etlworks_stream_up") == 1)
        #expect(await setup.value("etlworks_stream_latency_seconds") == 1.5)
        let first = try #require(await setup.value("etlworks_stream_records_processed_total"))
        #expect(first >= 3600 * 40 - 100)
        let started = await setup.value("etlworks_stream_started_timestamp_seconds")
        let origin = await setup.harness.simulator.servedTenant.origin
        #expect(started == Double(origin - 3_600_000) / 1000)

        // Progress: the counter and the last progress move on.
        try await setup.advance(60)
        try await setup.poll(collector)
        let second = try #require(await setup.value("etlworks_stream_records_processed_total"))
        #expect(second - first >= 60 * 40 - 40)
        let progressed = try #require(await setup.value("etlworks_stream_last_progress_timestamp_seconds"))

        // Stalled: up, but no progress; the last progress stays.
        try await setup.harness.control("POST", "/_sim/streams/\(setup.streamFlow)", ["mode": "stalled"])
        try await setup.advance(600)
        try await setup.poll(collector)
        #expect(await setup.value("etlworks_stream_up") == 1)
        #expect(await setup.value("etlworks_stream_last_progress_timestamp_seconds") == progressed)
        let stalled = try #require(await setup.value("etlworks_stream_records_processed_total"))
        #expect(stalled == second)

        // The task restarts: its counter drops to zero, the exported counter keeps growing.
        try await setup.harness.control("POST", "/_sim/streams/\(setup.streamFlow)", ["mode": "progressing", "reset": true])
        try await setup.advance(10)
        try await setup.poll(collector)
        let afterReset = try #require(await setup.value("etlworks_stream_records_processed_total"))
        #expect(afterReset == stalled + 400)

        // Down: the run is up, no stream task answers.
        try await setup.harness.control("POST", "/_sim/streams/\(setup.streamFlow)", ["mode": "down"])
        try await setup.advance(30)
        try await setup.poll(collector)
        #expect(await setup.value("etlworks_stream_up") == 0)
        #expect(await setup.value("etlworks_stream_latency_seconds") == nil)
        #expect(await setup.value("etlworks_stream_records_processed_total") == afterReset)
    }

    @Test func theCounterAndTheKindSurviveARestart() async throws {
        let database = "\(UUID().uuidString).db"
        let setup = try await setup(database: database)
        try await setup.poll(StreamsCollector(context: setup.context, logger: Logger(label: "t")))
        let before = try #require(await setup.value("etlworks_stream_records_processed_total"))
        try await setup.harness.control("POST", "/_sim/streams/\(setup.streamFlow)", ["reset": true])
        try await setup.advance(5)
        // A new collector and state on the same database, as after a restart.
        var context = setup.context
        context.state = ExporterState(storagePath: "", intervals: [:], requests: RequestCounter())
        try await context.publishFlows()
        let restarted = Setup(harness: setup.harness, context: context, clock: setup.clock, streamFlow: setup.streamFlow)
        try await restarted.poll(StreamsCollector(context: context, logger: Logger(label: "t")))
        #expect(await context.state.flowKinds()[setup.streamFlow] == .streaming, "known without waiting 10 minutes")
        let after = await restarted.value("etlworks_stream_records_processed_total")
        #expect(after == before + 200, "\(String(describing: after)) \(before)")
    }

    @Test func aShortRunIsNotAskedAndAnAskedRunIsAskedOnce() async throws {
        let setup = try await setup()
        var context = setup.context
        context.config.api.streamProbeAfter = 7200 // longer than the stream has run
        let collector = StreamsCollector(context: context, logger: Logger(label: "t"))
        try await setup.harness.control("POST", "/_sim/stats/reset")
        try await setup.poll(collector)
        #expect(try await setup.harness.requestCounts()["/etl/rest/v1/tasks/{auditId}"] == nil)
        #expect(await setup.value("etlworks_stream_up") == nil)

        let asked = StreamsCollector(context: setup.context, logger: Logger(label: "t"))
        try await setup.harness.control("POST", "/_sim/streams/\(setup.streamFlow)", ["mode": "down"])
        try await setup.poll(asked)
        try await setup.poll(asked)
        let counts = try await setup.harness.requestCounts()
        let ordinary = (counts["/etl/rest/v1/tasks/{auditId}"] ?? 0)
        #expect(ordinary >= 1)
        try await setup.poll(asked)
        #expect(try await setup.harness.requestCounts()["/etl/rest/v1/tasks/{auditId}"] == ordinary, "each run once")
        #expect(await setup.context.state.flowKinds()[setup.streamFlow] == .unscheduled, "no stream task: not a stream")
    }

    @Test func aSelectedStreamIsPolledEveryTimeAndCapped() async throws {
        let setup = try await setup()
        await setup.context.state.setStreamingFlows(FlowSelector(ids: [setup.streamFlow]))
        var context = setup.context
        context.config.api.maxStreamProbes = 1
        let collector = StreamsCollector(context: context, logger: Logger(label: "t"))
        try await setup.harness.control("POST", "/_sim/streams/\(setup.streamFlow)", ["mode": "down"])
        try await setup.harness.control("POST", "/_sim/stats/reset")
        for _ in 0..<3 { try await setup.poll(collector) }
        #expect(try await setup.harness.requestCounts()["/etl/rest/v1/tasks/{auditId}"] == 3, "one a poll, the cap")
        #expect(await setup.value("etlworks_stream_up") == 0, "a selected stream is down when no task answers")
    }

    @Test func a403TurnsStreamPollingOffWithAHealthWarning() async throws {
        let setup = try await setup()
        _ = try await ExecutionsCollector(context: setup.context, logger: Logger(label: "t")).collect()
        var context = setup.context
        context.client = HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: setup.harness.baseURL, credentials: .apiKey("sim-limited-key"), timeout: 5, maxRequestsPerSecond: 0))
        let logs = LogCapture()
        let collector = StreamsCollector(context: context, logger: logs.logger)
        try await setup.harness.control("POST", "/_sim/stats/reset")
        _ = try await collector.collect()
        _ = try await collector.collect()
        #expect(try await setup.harness.requestCounts()["/etl/rest/v1/tasks/{auditId}"] == 1)
        #expect(logs.messages(at: .warning).filter { $0.contains("Stream polling is off") }.count == 1)
        let report = HealthReport(snapshot: await context.state.snapshot(), apiURL: "")
        #expect(report.reasons.contains { $0.contains("stream polling is off") && $0.contains("Administrator role") })
    }
}
