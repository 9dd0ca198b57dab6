import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import ExporterApp

/// A shutdown must end even when a task ignores cancellation.
@Suite struct ShutdownBackstopTests {
    /// Never finishes, cancelled or not: a continuation nobody resumes.
    struct StuckService: Service {
        func run() async throws { await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in } }
    }

    /// Finishes as soon as the shutdown begins.
    struct PoliteService: Service {
        func run() async throws { try? await gracefulShutdown() }
    }

    func group(_ services: [any Service]) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, logger: Logger(label: "t"))
        configuration.maximumGracefulShutdownDuration = .milliseconds(100)
        return ServiceGroup(configuration: configuration)
    }

    @Test func aStuckShutdownEndsTheProcessAfterTheBackstop() async throws {
        let fired = Mutex<ContinuousClock.Instant?>(nil)
        let backstop = ShutdownBackstop(seconds: 0.5, logger: Logger(label: "t")) { fired.withLock { $0 = .now } }
        let stuck = group([backstop, StuckService()])
        Task { try? await stuck.run() }
        try await Task.sleep(for: .milliseconds(100))
        let triggered = ContinuousClock.now
        await stuck.triggerGracefulShutdown()
        // Polled, not slept on: a loaded machine may take a while to run the timer.
        while fired.withLock({ $0 }) == nil, ContinuousClock.now - triggered < .seconds(30) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let at = try #require(fired.withLock { $0 }, "the backstop ended the stuck shutdown")
        #expect(at - triggered >= .milliseconds(500), "not before its time")
    }

    @Test func aShutdownThatFinishesDisarmsIt() async throws {
        let fired = Mutex(false)
        let backstop = ShutdownBackstop(seconds: 2, logger: Logger(label: "t")) { fired.withLock { $0 = true } }
        let polite = group([backstop, PoliteService()])
        async let finished: Void = polite.run()
        try await Task.sleep(for: .milliseconds(100))
        let shutdown = ContinuousClock.now
        await polite.triggerGracefulShutdown()
        try await finished
        backstop.disarm()
        let took = ContinuousClock.now - shutdown
        try await Task.sleep(for: .seconds(2.5))
        // On a machine so loaded that the group took longer than the backstop, it fired rightly.
        if took < .seconds(1.5) { #expect(!fired.withLock { $0 }) }
    }
}
