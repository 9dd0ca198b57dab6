import EtlworksAPI
import ExporterBase
import Foundation
import Logging
import Vocabulary

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends an HTTP POST; returns the status code. The edge notifications cross.
public protocol NotificationTransport: Sendable {
    func post(_ url: URL, body: Data, headers: [String: String], timeout: Double) async throws -> Int
}

/// `NotificationTransport` over a `BoundedSession`: `timeout` bounds the whole transfer (a
/// receiver that trickles its answer is cut off), the answer's body is limited (it is never
/// read), and a redirect to another origin is not followed (the 3xx counts as a failure).
public struct URLSessionNotificationTransport: NotificationTransport {
    /// Receivers answer with a status; their bodies are only drained.
    static let answerLimit: Int64 = 64 << 10
    private let session = BoundedSession(backstop: 120)

    public init() {}

    public func post(_ url: URL, body: Data, headers: [String: String], timeout: Double) async throws -> Int {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("etlworks-exporter/\(BuildInfo.version)", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        switch await session.send(request, deadline: timeout, limit: Self.answerLimit) {
        case .answered(_, let response): return response.statusCode
        case .tooLarge(let bytes): throw NotificationError.tooLarge(bytes)
        case .timedOut: throw NotificationError.timedOut(timeout)
        case .failed(let error): throw error
        }
    }
}

/// Takes breaches from the engine at once and delivers them on its own time: Alertmanager
/// gets every active alert (and those resolved in the last 15 minutes) on each change and
/// every `resend_interval`; each webhook gets one event per change from a bounded queue, in
/// order, retried with exponential backoff. Nothing here ever waits on the engine's caller.
public actor NotificationDispatcher: SLAAlertSink {
    struct PendingEvent {
        /// Which event this is: a send in flight finds it again by id after its await.
        var id: UInt64
        var alert: SLAAlert
        var attempts = 0
        var notBefore: Double = 0
    }

    let config: NotificationConfig
    let transport: any NotificationTransport
    /// Receives each receiver's delivery counts when they change (the live state, in the daemon).
    let onStats: (@Sendable (_ stats: NotificationStats, _ receiver: String) async -> Void)?
    let logger: Logger
    let generatorURL: String?
    private let clock: @Sendable () -> Double
    private let redactor: Redactor

    /// Every breach now, per tenant id ('' without tenants): each tenant's engine says its own.
    private var active: [String: [SLAAlert]] = [:]
    private var resolved: [(alert: SLAAlert, until: Double)] = []
    private var alertmanagerDue = true
    private var alertmanagerNext: Double = 0
    private var alertmanagerFailures = 0
    private var queues: [[PendingEvent]]
    private var stats: [String: NotificationStats] = [:]
    /// The delivery in flight per receiver ("alertmanager", "webhook[i]"), one at most: each
    /// receiver is sent to on a task of its own, so that a slow or trickling webhook never
    /// delays Alertmanager's re-sends (which keep its alerts from lapsing) or another webhook.
    private var deliveries: [String: Task<Void, Never>] = [:]
    private var nextEventId: UInt64 = 0
    /// Per webhook, the event being sent: never the one a full queue drops.
    private var inFlight: [Int: UInt64] = [:]
    /// Receivers that have dropped an event already (later drops are logged at debug).
    private var droppedBefore: Set<String> = []

    public init(
        config: NotificationConfig, transport: any NotificationTransport = URLSessionNotificationTransport(),
        onStats: (@Sendable (_ stats: NotificationStats, _ receiver: String) async -> Void)?, generatorURL: String?,
        logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.config = config
        self.transport = transport
        self.onStats = onStats
        self.generatorURL = generatorURL
        self.logger = logger
        self.clock = clock
        redactor = Redactor(secrets: config.secrets)
        queues = Array(repeating: [], count: config.webhooks.count)
    }

    public nonisolated var isEnabled: Bool { config.alertmanager != nil || !config.webhooks.isEmpty }

    public func deliver(changes: [SLAAlert], active: [SLAAlert], tenant: Tenant?) async {
        let now = clock()
        self.active[tenant?.id ?? ""] = active
        resolved.removeAll { $0.until < now }
        for change in changes where change.isResolved {
            resolved.removeAll { $0.alert.isSameBreach(as: change) }
            resolved.append((change, now + 900))
        }
        if !changes.isEmpty { alertmanagerDue = true }
        for index in queues.indices {
            for change in changes {
                nextEventId += 1
                let event = PendingEvent(id: nextEventId, alert: change)
                guard queues[index].count >= config.queueCapacity else {
                    queues[index].append(event)
                    continue
                }
                // The oldest event not being sent makes room; with none, the new one is dropped.
                if let victim = queues[index].firstIndex(where: { $0.id != inFlight[index] }) {
                    drop(queues[index].remove(at: victim), from: index, because: "the queue is full")
                    queues[index].append(event)
                } else {
                    drop(event, from: index, because: "the queue is full")
                }
            }
        }
        await publishStats()
    }

    /// Starts what is due on each receiver that has no delivery in flight, and returns
    /// without waiting for any; the notification service calls this about every second.
    public func tick() async {
        let now = clock()
        if let alertmanager = config.alertmanager, deliveries["alertmanager"] == nil,
            alertmanagerDue || now >= alertmanagerNext, now >= alertmanagerNext || alertmanagerFailures == 0
        {
            deliveries["alertmanager"] = Task {
                await sendAlertmanager(alertmanager, now: now)
                await finish("alertmanager")
            }
        }
        for index in queues.indices {
            let name = Self.webhookName(index)
            guard deliveries[name] == nil, let event = queues[index].first, event.notBefore <= now else { continue }
            deliveries[name] = Task {
                await sendWebhook(index)
                await finish(name)
            }
        }
        await publishStats()
    }

    private func finish(_ receiver: String) async {
        deliveries[receiver] = nil
        await publishStats()
    }

    /// Waits until no delivery is in flight (tests; shutdown).
    public func idle() async {
        while let delivery = deliveries.values.first { await delivery.value }
    }

    /// Cancels every delivery in flight (shutdown): each ends at its next await.
    public func cancelDeliveries() {
        for delivery in deliveries.values { delivery.cancel() }
    }

    private func sendAlertmanager(_ target: NotificationConfig.Alertmanager, now: Double) async {
        let alerts = active.keys.sorted().flatMap { active[$0] ?? [] } + resolved.map(\.alert)
        alertmanagerDue = false
        guard !alerts.isEmpty else {
            alertmanagerNext = now + target.resendInterval
            return
        }
        let body = AlertPayloads.alertmanager(
            alerts, now: now, validFor: 4 * target.resendInterval, generatorURL: generatorURL, extraLabels: target.labels)
        let url = target.url.appendingPathComponent("api/v2/alerts")
        do {
            let status = try await transport.post(url, body: body, headers: [:], timeout: target.timeout)
            guard (200..<300).contains(status) else { throw NotificationError.status(status) }
            stats["alertmanager", default: NotificationStats()].sent += 1
            alertmanagerFailures = 0
            alertmanagerNext = now + target.resendInterval
        } catch {
            alertmanagerFailures += 1
            stats["alertmanager", default: NotificationStats()].failed += 1
            stats["alertmanager", default: NotificationStats()].lastError = redactor.scrub("\(error)")
            alertmanagerNext = now + min(target.resendInterval, pow(2, Double(min(alertmanagerFailures, 6))))
            alertmanagerDue = true
            if alertmanagerFailures == 1 {
                logger.warning(
                    "Alertmanager did not take the SLA alerts",
                    metadata: ["error": "\(redactor.scrub("\(error)"))", "url": "\(redactor.scrub(url.absoluteString))"])
            }
        }
    }

    /// Sends the webhook's due events in order, until one fails or none is due.
    private func sendWebhook(_ index: Int) async {
        let webhook = config.webhooks[index]
        let name = Self.webhookName(index)
        while !Task.isCancelled, let event = queues[index].first, event.notBefore <= clock() {
            let now = clock()
            let body = AlertPayloads.webhook(event.alert, sentAt: now)
            var headers: [String: String] = [:]
            if let secret = webhook.secret { headers["X-Signature-SHA256"] = AlertPayloads.signature(body: body, secret: secret) }
            // The queue may change during the await (deliver runs meanwhile): the event is
            // found again by its id, and a full queue never drops it while it is in flight.
            inFlight[index] = event.id
            let outcome: Result<Void, any Error>
            do {
                let status = try await transport.post(webhook.url, body: body, headers: headers, timeout: webhook.timeout)
                outcome = (200..<300).contains(status) ? .success(()) : .failure(NotificationError.status(status))
            } catch {
                outcome = .failure(error)
            }
            inFlight[index] = nil
            guard let position = queues[index].firstIndex(where: { $0.id == event.id }) else { return }
            switch outcome {
            case .success:
                queues[index].remove(at: position)
                stats[name, default: NotificationStats()].sent += 1
            case .failure(let error):
                var retried = queues[index][position]
                retried.attempts += 1
                stats[name, default: NotificationStats()].failed += 1
                stats[name, default: NotificationStats()].lastError = redactor.scrub("\(error)")
                if retried.attempts >= webhook.maxAttempts {
                    drop(
                        queues[index].remove(at: position), from: index,
                        because: "\(retried.attempts) attempts failed: \(redactor.scrub("\(error)"))")
                } else {
                    retried.notBefore = now + min(60, pow(2, Double(retried.attempts - 1)))
                    queues[index][position] = retried
                }
                return
            }
        }
    }

    /// Counts a dropped event and says which one: the first drop of a receiver as a warning,
    /// later ones at debug (a dead receiver drops one per change).
    private func drop(_ event: PendingEvent, from index: Int, because reason: String) {
        let name = Self.webhookName(index)
        stats[name, default: NotificationStats()].dropped += 1
        let first = droppedBefore.insert(name).inserted
        logger.log(
            level: first ? .warning : .debug, "Dropped an SLA webhook event: \(reason)",
            metadata: [
                "receiver": "\(name)", "sla": "\(event.alert.rule)", "target": "\(event.alert.targetLabel)",
                "event": "\(event.alert.isResolved ? "resolve" : "breach")"
            ])
    }

    private func publishStats() async {
        guard let onStats else { return }
        if config.alertmanager != nil { await onStats(stats["alertmanager"] ?? NotificationStats(), "alertmanager") }
        for index in queues.indices {
            var entry = stats[Self.webhookName(index)] ?? NotificationStats()
            entry.queued = queues[index].count
            await onStats(entry, Self.webhookName(index))
        }
    }

    /// Delivery counts, for tests.
    public func statistics() -> [String: NotificationStats] {
        var copy = stats
        for index in queues.indices { copy[Self.webhookName(index), default: NotificationStats()].queued = queues[index].count }
        return copy
    }

    static func webhookName(_ index: Int) -> String { "webhook[\(index)]" }
}

enum NotificationError: Error, CustomStringConvertible {
    case status(Int)
    case timedOut(Double)
    case tooLarge(Int64)
    var description: String {
        switch self {
        case .status(let code): return "HTTP \(code)"
        case .timedOut(let seconds): return "no complete answer within \(DurationText.measured(seconds))"
        case .tooLarge(let bytes): return "an answer of more than \(bytes) bytes"
        }
    }
}
