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

    /// A timer the test fires by hand: what was armed, and for how long.
    final class HandTimer: Sendable {
        private let armed = Mutex<[(seconds: Double, fire: @Sendable () -> Void)]>([])
        var timer: ShutdownBackstop.Timer { { seconds, fire in self.armed.withLock { $0.append((seconds, fire)) } } }
        var delays: [Double] { armed.withLock { $0.map(\.seconds) } }
        func fireAll() { for entry in armed.withLock({ $0 }) { entry.fire() } }
    }

    /// Waits (polled, bounded) until the backstop has armed its timer.
    func waitUntilArmed(_ timer: HandTimer) async throws {
        let start = ContinuousClock.now
        while timer.delays.isEmpty, ContinuousClock.now - start < .seconds(30) { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func aStuckShutdownEndsTheProcessAfterTheBackstop() async throws {
        let fired = Mutex(false)
        let timer = HandTimer()
        let backstop = ShutdownBackstop(
            seconds: 20, logger: Logger(label: "t"), onTimeout: { fired.withLock { $0 = true } }, timer: timer.timer)
        let stuck = group([backstop, StuckService()])
        Task { try? await stuck.run() }
        try await Task.sleep(for: .milliseconds(100))
        #expect(timer.delays.isEmpty, "nothing is armed before the shutdown begins")
        await stuck.triggerGracefulShutdown()
        try await waitUntilArmed(timer)
        #expect(timer.delays == [20], "armed for its time once the shutdown began")
        timer.fireAll()
        #expect(fired.withLock { $0 }, "the backstop ended the stuck shutdown")
    }

    @Test func aShutdownThatFinishesDisarmsIt() async throws {
        let fired = Mutex(false)
        let timer = HandTimer()
        let backstop = ShutdownBackstop(
            seconds: 20, logger: Logger(label: "t"), onTimeout: { fired.withLock { $0 = true } }, timer: timer.timer)
        let polite = group([backstop, PoliteService()])
        async let finished: Void = polite.run()
        try await Task.sleep(for: .milliseconds(100))
        await polite.triggerGracefulShutdown()
        try await finished
        backstop.disarm()
        try await waitUntilArmed(timer)
        timer.fireAll()
        #expect(timer.delays == [20])
        #expect(!fired.withLock { $0 }, "a disarmed backstop does nothing when its timer fires")
    }
}
