import ExporterConfiguration
import Foundation
import Vocabulary

/// The webhook endpoint's bookkeeping: drops repeated events, queues the runs to look up
/// (bounded), keeps the counters and the push/poll ledger, and publishes them to the state.
/// The HTTP handler only waits on this actor, never on the API: the look-ups run in
/// `PushedRunsService`.
public actor PushReceiver {
    /// What became of a call.
    public enum Outcome: Sendable, Equatable {
        /// Queued for a look-up, or counted and ignored (an event about no run).
        case accepted
        case duplicate
        case rejected(PushFamilies.Rejection)
    }

    /// A run to look up.
    public struct PushedRun: Sendable, Equatable {
        public var flowId: Int64
        public var auditId: Int64
    }

    public let capacity: Int
    /// The look-ups waiting, for the service to take in order.
    public nonisolated let runs: AsyncStream<PushedRun>
    private let continuation: AsyncStream<PushedRun>.Continuation
    private var waiting = 0
    private var recent = RecentKeys<String>()
    private var ledger = PushLedger()
    private var stats = PushStats()
    private let state: ExporterState

    public init(settings: PushSettings, state: ExporterState) {
        capacity = settings.queueCapacity
        (runs, continuation) = AsyncStream.makeStream(of: PushedRun.self)
        self.state = state
    }

    /// Counts a call refused before it was read (credentials, size, shape).
    public func refuse(_ reason: PushFamilies.Rejection) async {
        stats.rejected[reason, default: 0] += 1
        await publish()
    }

    public func receive(_ event: WebhookEvent, now: Double) async -> Outcome {
        let outcome = count(event, now: now)
        await publish()
        return outcome
    }

    private func count(_ event: WebhookEvent, now: Double) -> Outcome {
        if let id = event.eventId, !recent.insert(id, now: now) {
            stats.duplicates += 1
            return .duplicate
        }
        if event.eventType == WebhookEvent.flowExecuted, let flowId = event.flowId, let auditId = event.auditId {
            guard waiting < capacity else {
                // Refused, not received: the sender's retry must not read as a duplicate.
                if let id = event.eventId { recent.remove(id) }
                stats.rejected[.queueFull, default: 0] += 1
                return .rejected(.queueFull)
            }
            waiting += 1
            continuation.yield(PushedRun(flowId: flowId, auditId: auditId))
        }
        stats.received[event.label, default: 0] += 1
        stats.lastEvent = now
        return .accepted
    }

    /// The service took a run off the queue.
    func taken() { waiting -= 1 }

    /// Completed runs seen by a source (the look-up of a pushed run, or an executions poll).
    public func saw(_ auditIds: [Int64], by source: PushLedger.Source, now: Double) async {
        guard !auditIds.isEmpty else { return }
        ledger.saw(auditIds, by: source, now: now)
        (stats.runsByPush, stats.runsByPoll, stats.runsByBoth) = (ledger.push, ledger.poll, ledger.both)
        await publish()
    }

    public var snapshot: PushStats { stats }

    /// No more look-ups: the service's loop ends.
    public func finish() { continuation.finish() }

    private func publish() async { await state.setPushStats(stats) }
}
