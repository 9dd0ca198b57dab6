import EtlworksAPI
import ExporterConfiguration
import ExporterCore
import Foundation
import Hummingbird
import Logging
import Simulator
import Store

/// API requests and time per executions poll against an in-process simulator of N flows,
/// with the admin endpoint and in the per-flow fallback; memory of the process after it.
enum PollBenchmark {
    static func run(flows: Int) async throws {
        let options = SimulatorOptions(flows: flows, seed: 3, runEvery: 1800, history: 86400, hostileNames: true)
        guard let simulator = try await BenchmarkSimulator.start(options) else { return }
        defer { simulator.stop() }
        let (url, directory, logger) = (simulator.url, simulator.directory, simulator.logger)

        for (label, key) in [("admin endpoint", options.apiKeys[0]), ("per-flow fallback", options.limitedApiKeys[0])] {
            var api = ExporterConfig.API(url: url, credentials: .apiKey(key))
            api.maxRequestsPerSecond = 0
            var config = ExporterConfig(api: api)
            config.poll.backfill = 86400
            let store = try SQLiteRunStore(path: directory.appendingPathComponent("\(label.count).db").path)
            let requests = RequestCounter()
            let client = HTTPEtlworksClient(
                configuration: ClientConfiguration(
                    baseURL: url, credentials: api.credentials,
                    timeout: 60, maxRequestsPerSecond: 0),
                observer: { endpoint, code, _ in requests.record(endpoint: endpoint, code: code) })
            let state = ExporterState(storagePath: "", intervals: [:], requests: requests)
            let context = CollectorContext(client: client, store: store, state: state, config: config)
            _ = try await FlowsCollector(context: context, logger: logger).collect()
            let collector = ExecutionsCollector(context: context, logger: logger)
            let firstStart = ContinuousClock.now
            let before = requests.total
            _ = try await collector.collect()
            let first = ContinuousClock.now - firstStart
            let firstRequests = requests.total - before
            var steadyRequests: [Int64] = []
            var steadyTimes: [Double] = []
            for _ in 0..<5 {
                let count = requests.total
                let start = ContinuousClock.now
                _ = try await collector.collect()
                let elapsed = ContinuousClock.now - start
                steadyTimes.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                steadyRequests.append(requests.total - count)
            }
            let runs = try await store.flowMetrics().reduce(Int64(0)) { $0 + $1.completedRuns.values.reduce(0, +) }
            print(
                "executions poll, \(label): first poll (backfill 1d, \(runs) runs stored) \(first.components.seconds)s with \(firstRequests) requests; "
                    + "steady-state polls: \(steadyRequests.map(String.init).joined(separator: ", ")) requests, median \(String(format: "%.0f", steadyTimes.sorted()[2])) ms"
            )
            await store.close()
        }
        let memory = residentMemory()
        print(
            String(
                format: "memory of this process (simulator included): resident %.1f MiB, peak %.1f MiB", memory.current,
                memory.peak))
    }
}
