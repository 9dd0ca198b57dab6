import Foundation
import Hummingbird
import Logging
import Simulator

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An in-process simulator served over loopback on a free port, for client tests.
package final class SimulatorHarness: Sendable {
    package let simulator: EtlworksSimulator
    package let baseURL: URL
    private let task: Task<Void, any Error>

    package static func start(_ options: SimulatorOptions = SimulatorOptions()) async throws -> SimulatorHarness {
        let simulator = EtlworksSimulator(options: options)
        let ports = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test-simulator")
        logger.logLevel = .critical
        let app = SimulatorServer.application(simulator: simulator, host: "127.0.0.1", port: 0, logger: logger) { port in
            ports.continuation.yield(port)
        }
        let task = Task { try await app.runService() }
        var iterator = ports.stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError("simulator did not start") }
        return SimulatorHarness(simulator: simulator, baseURL: URL(string: "http://127.0.0.1:\(port)")!, task: task)
    }

    private init(simulator: EtlworksSimulator, baseURL: URL, task: Task<Void, any Error>) {
        self.simulator = simulator
        self.baseURL = baseURL
        self.task = task
    }

    deinit { task.cancel() }

    /// Sends a control request to `/_sim/...` and returns the JSON answer.
    @discardableResult
    package func control(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        try await HTTP.json(method, baseURL.appendingPathComponent(path), body: body)
    }

    package func injectFault(_ fault: [String: Any]) async throws { try await control("POST", "/_sim/faults", fault) }

    package func requestCounts() async throws -> [String: Int] {
        (try await control("GET", "/_sim/stats")["requests"] as? [String: Int]) ?? [:]
    }
}

package struct HarnessError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Small HTTP helpers for tests.
package enum HTTP {
    package static func get(_ url: URL, headers: [String: String] = [:]) async throws -> (Int, Data, HTTPURLResponse) {
        var request = URLRequest(url: url, timeoutInterval: 30)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, data, http)
    }

    package static func json(_ method: String, _ url: URL, body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = URLRequest(url: url, timeoutInterval: 30)
        request.httpMethod = method
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }
}
