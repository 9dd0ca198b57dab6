import Foundation
import Hummingbird
import Logging
import Simulator

/// An in-process simulator on a free loopback port, and a scratch folder, for the benchmarks
/// that poll it; both go away with `stop()`.
struct BenchmarkSimulator {
    let url: URL
    let directory: URL
    let logger: Logger
    private let server: Task<Void, any Error>

    static func start(_ options: SimulatorOptions) async throws -> BenchmarkSimulator? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("etlworks-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let ports = AsyncStream<Int>.makeStream()
        let app = SimulatorServer.application(
            simulator: EtlworksSimulator(options: options), host: "127.0.0.1", port: 0, logger: logger
        ) { ports.continuation.yield($0) }
        let server = Task { try await app.runService() }
        var iterator = ports.stream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            server.cancel()
            return nil
        }
        return BenchmarkSimulator(
            url: URL(string: "http://127.0.0.1:\(port)")!, directory: directory, logger: logger, server: server)
    }

    func stop() {
        server.cancel()
        try? FileManager.default.removeItem(at: directory)
    }
}
