import Alerting
import Logging
import SLA
import ServiceLifecycle

/// Evaluates the SLA rules on a timer (besides after every poll), so that time-based
/// conditions (freshness, a missed schedule, a long run) breach even when nothing is polled,
/// and delivers notifications.
public struct SLAService: Service {
    let engine: SLAEngine
    let dispatcher: NotificationDispatcher?
    /// Seconds between evaluations.
    let interval: Double
    let logger: Logger

    public init(engine: SLAEngine, dispatcher: NotificationDispatcher?, interval: Double, logger: Logger) {
        self.logger = logger
        self.engine = engine
        self.dispatcher = dispatcher
        self.interval = interval
    }

    public func run() async throws {
        // Loading a month of runs takes seconds: it happens here, not before the server listens.
        do {
            try await engine.start()
        } catch {
            logger.error("SLA evaluation is off: could not load its state", metadata: ["error": "\(error)"])
            await engine.reportStartFailure(error)
            return
        }
        // Stored history is judged before the first evaluation (and while the server listens).
        await engine.replay()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        await engine.evaluate()
                        try? await Task.sleep(for: .seconds(interval))
                    }
                }
                if let dispatcher {
                    group.addTask {
                        while !Task.isCancelled {
                            await dispatcher.tick()
                            try? await Task.sleep(for: .milliseconds(500))
                        }
                        await dispatcher.cancelDeliveries()
                    }
                }
            }
        }
        // Cancelled without a shutdown: a tenant no longer watched. Its breaches are no longer
        // known, so they are no longer re-sent (Alertmanager lets them lapse).
        if Task.isCancelled, !Task.isShuttingDownGracefully { await engine.withdrawAlerts() }
    }
}
