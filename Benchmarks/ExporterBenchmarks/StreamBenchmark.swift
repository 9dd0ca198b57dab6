import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import ExporterCore
import Foundation
import Hummingbird
import Logging
import SLA
import Simulator
import Store

/// Stream polling (#26): requests and time per `poll.streams` cycle with S running
/// change-data-capture streams beside N batch flows, against an in-process simulator; the
/// baseline is a steady executions poll of the same tenant, in the same process.
enum StreamBenchmark {
    static func run(flows: Int, streams: Int = 50) async throws {
        var options = SimulatorOptions(flows: flows, seed: 3, runEvery: 1800, history: 86400, hostileNames: true)
        options.streamFlows = streams
        options.streamAge = 3600
        guard let simulator = try await BenchmarkSimulator.start(options) else { return }
        defer { simulator.stop() }
        let (url, directory, logger) = (simulator.url, simulator.directory, simulator.logger)

        var api = ExporterConfig.API(url: url, credentials: .apiKey(options.apiKeys[0]))
        api.maxRequestsPerSecond = 0
        var config = ExporterConfig(api: api)
        config.poll.backfill = 86400
        let store = try SQLiteRunStore(path: directory.appendingPathComponent("streams.db").path)
        let requests = RequestCounter()
        let client = HTTPEtlworksClient(
            configuration: ClientConfiguration(baseURL: url, credentials: api.credentials, timeout: 60, maxRequestsPerSecond: 0),
            observer: { endpoint, code, _ in requests.record(endpoint: endpoint, code: code) })
        let state = ExporterState(storagePath: "", intervals: [:], requests: requests)
        let context = CollectorContext(client: client, store: store, state: state, config: config)
        _ = try await FlowsCollector(context: context, logger: logger).collect()
        let executions = ExecutionsCollector(context: context, logger: logger)
        _ = try await executions.collect()
        // The streams are named by the selector, as `etlworks.streaming_flows` does.
        await state.setStreamingFlows(FlowSelector(ids: Set(options.streamFlowIds)))
        let collector = StreamsCollector(context: context, logger: logger)

        func cycle(_ body: () async throws -> Void) async throws -> (ms: Double, requests: Int64) {
            let before = requests.total
            let start = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - start
            return (
                Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
                requests.total - before
            )
        }
        let first = try await cycle { _ = try await collector.collect() }
        var streamCycles: [(ms: Double, requests: Int64)] = []
        var pollCycles: [(ms: Double, requests: Int64)] = []
        // Interleaved, so both see the same machine.
        for _ in 0..<15 {
            streamCycles.append(try await cycle { _ = try await collector.collect() })
            pollCycles.append(try await cycle { _ = try await executions.collect() })
        }
        let known = await state.snapshot().streams.count
        let streamMedian = streamCycles.map(\.ms).sorted()[streamCycles.count / 2]
        let pollMedian = pollCycles.map(\.ms).sorted()[pollCycles.count / 2]
        print(
            String(
                format:
                    "streams: %d streams (%d known) beside %d flows: first cycle %.1f ms, %lld requests; steady cycle median %.1f ms, %lld requests (%.2f ms a stream)",
                streams, known, flows, first.ms, first.requests, streamMedian, streamCycles[0].requests,
                streamMedian / Double(max(1, streams))))
        print(
            String(
                format:
                    "streams baseline (a steady executions poll of the same tenant): median %.1f ms, %lld requests; ratio streams/poll %.2fx",
                pollMedian, pollCycles[0].requests, streamMedian / pollMedian))
        await store.close()
    }
}
