import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Simulator

/// Answers are read chunk by chunk under a byte cap, and the large ones (a day's executions,
/// the flow list) have their own timeout.
@Suite struct LargeAnswerTests {
    func client(_ harness: SimulatorHarness, maxBytes: Int64 = 256 << 20, timeout: Double = 5, largeTimeout: Double = 120)
        -> HTTPEtlworksClient
    {
        var configuration = ClientConfiguration(
            baseURL: harness.baseURL, credentials: .apiKey("sim-admin-key"), timeout: timeout, maxRequestsPerSecond: 0)
        configuration.maxResponseBytes = maxBytes
        configuration.largeResponseTimeout = largeTimeout
        return HTTPEtlworksClient(configuration: configuration)
    }

    @Test func anAnswerPastTheCapFailsNamingTheEndpointAndSmallOnesPass() async throws {
        let harness = try await SimulatorHarness.start(SimulatorOptions(flows: 200, runEvery: 60, history: 86400))
        let today = Self.day(await harness.simulator.now())
        let api = client(harness, maxBytes: 64 << 10)
        await #expect {
            _ = try await api.dailyExecutions(date: today)
        } throws: { error in
            guard case APIError.tooLarge("/v1/metrics/executions", 65536) = error else { return false }
            return "\(error)".contains("etlworks.max_response_bytes")
        }
        #expect(try await api.agents().items.count == 3, "a small answer is read as ever")
        let uncapped = try await client(harness).dailyExecutions(date: today)
        #expect(uncapped.runs.count > 1000)
    }

    @Test func largeAnswersHaveTheirOwnTimeout() async throws {
        let harness = try await SimulatorHarness.start(SimulatorOptions(flows: 5))
        let today = Self.day(await harness.simulator.now())
        let api = client(harness, timeout: 1, largeTimeout: 10)
        try await harness.injectFault(["kind": "slow", "path": "/v1/metrics/executions", "delaySeconds": 2.5, "count": 1])
        _ = try await api.dailyExecutions(date: today)
        try await harness.injectFault(["kind": "slow", "path": "/v1/agents", "delaySeconds": 2.5, "count": 1])
        await #expect {
            _ = try await api.agents()
        } throws: { error in
            guard case APIError.transport("/v1/agents", let message) = error else { return false }
            return message.contains("timed out")
        }
    }

    static func day(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
