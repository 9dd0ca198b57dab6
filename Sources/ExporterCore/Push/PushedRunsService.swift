import EtlworksAPI
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Looks up each pushed run at once through `GET /v1/executions/{flowId}?auditId=` (the
/// one-by-one path the executions poll uses) and stores it like a polled run: counted once
/// by its audit id however often it is pushed and polled. One look-up at a time, so pushes
/// never outpace the API's rate limit; the webhook has long been answered.
public final class PushedRunsService: Service, Sendable {
    let receiver: PushReceiver
    let context: CollectorContext
    let logger: Logger
    /// Whether the latest look-up failed: said once per run of failures, not per pushed run.
    private let failing = Mutex(false)

    public init(receiver: PushReceiver, context: CollectorContext, logger: Logger) {
        self.receiver = receiver
        self.context = context
        self.logger = logger
    }

    public func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            for await pushed in receiver.runs {
                await receiver.taken()
                await lookUp(pushed)
            }
        } onCancelOrGracefulShutdown: { [receiver] in
            Task { await receiver.finish() }
        }
    }

    func lookUp(_ pushed: PushReceiver.PushedRun) async {
        do {
            let run = try await context.client.run(flowId: pushed.flowId, auditId: pushed.auditId)
            let now = context.now()
            _ = try await context.ingest([run], now: now, source: .push)
            try await context.publishFlows()
            if failing.withLock({ failed in
                defer { failed = false }; return failed
            }) {
                logger.info("Pushed runs are looked up again")
            }
        } catch APIError.notFound {
            logger.debug("A pushed run is unknown to the API", metadata: ["run.audit_id": "\(pushed.auditId)"])
        } catch {
            // The executions poll finds the run later; the webhook is not asked again.
            guard
                !failing.withLock({ failed in
                    defer { failed = true }; return failed
                })
            else { return }
            logger.warning(
                "A pushed run could not be looked up; the executions poll will find it (said once until a look-up succeeds)",
                metadata: ["run.audit_id": "\(pushed.auditId)", "error": "\(error)"])
        }
    }
}
