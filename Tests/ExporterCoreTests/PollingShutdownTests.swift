import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import Vocabulary

@testable import ExporterCore

/// A shutdown must not wait on a poll that ignores cancellation (a request whose completion
/// never comes): the polling service leaves it behind after a short grace.
@Suite struct PollingShutdownTests {
    struct StuckCollector: Collector {
        let resource = Resource.agents
        func collect() async throws -> Int {
            await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
            return 0
        }
    }

    @Test func aPollThatIgnoresCancellationDoesNotHoldTheShutdown() async throws {
        let state = ExporterState(storagePath: "", intervals: [:], requests: RequestCounter())
        let service = PollingService(
            collectors: [StuckCollector()], state: state, intervals: ExporterConfig.Poll(), logger: Logger(label: "t"),
            clock: ContinuousClock(), redactor: Redactor(secrets: []))
        let returned = Mutex<ContinuousClock.Instant?>(nil)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [ServiceGroupConfiguration.ServiceConfiguration(service: service)], logger: Logger(label: "t")))
        Task {
            try? await group.run()
            returned.withLock { $0 = .now }
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(returned.withLock { $0 } == nil, "it runs until the shutdown")
        let cancelled = ContinuousClock.now
        await group.triggerGracefulShutdown()
        // Bounded only to end a failing run: a loaded machine may be slow, a hang never ends.
        while returned.withLock({ $0 }) == nil, ContinuousClock.now - cancelled < .seconds(60) {
            try await Task.sleep(for: .milliseconds(50))
        }
        _ = try #require(returned.withLock { $0 }, "run() returned although its poll never ends")
    }
}
