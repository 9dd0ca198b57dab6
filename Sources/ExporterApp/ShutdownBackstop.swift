import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Makes sure a shutdown ends. The service group waits `gracefulShutdownDeadline` for services
/// to finish and then cancels them; a task that ignores cancellation (a continuation that a
/// library never resumes) would still hold the process forever, and a daemon that ignores
/// SIGTERM is killed by its supervisor without a word. This service waits for the shutdown to
/// begin, then arms a timer outside Swift's task pool: if the process is still here when it
/// fires, it says so and exits. A reload disarms it once the old services have finished.
final class ShutdownBackstop: Service, Sendable {
    /// Runs a closure after some seconds, outside Swift's task pool.
    typealias Timer = @Sendable (_ seconds: Double, _ fire: @escaping @Sendable () -> Void) -> Void

    private let seconds: Double
    private let logger: Logger
    private let onTimeout: @Sendable () -> Void
    private let timer: Timer
    private let disarmed = Mutex(false)

    /// `timer` is Dispatch's, but for tests, which fire it by hand.
    init(
        seconds: Double, logger: Logger, onTimeout: @escaping @Sendable () -> Void = { exit(1) },
        timer: @escaping Timer = { seconds, fire in DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: fire) }
    ) {
        self.seconds = seconds
        self.logger = logger
        self.onTimeout = onTimeout
        self.timer = timer
    }

    func run() async throws {
        // Returns when the shutdown begins, or throws when the service is cancelled: either
        // way the clock starts.
        try? await gracefulShutdown()
        timer(seconds) { [self] in
            guard !disarmed.withLock({ $0 }) else { return }
            logger.critical("The shutdown did not finish within \(Int(seconds))s; exiting now")
            onTimeout()
        }
    }

    /// The services have finished: nothing to enforce.
    func disarm() { disarmed.withLock { $0 = true } }
}
