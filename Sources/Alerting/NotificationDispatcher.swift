import EtlworksAPI
import ExporterBase
import Foundation
import FoundationNetworking
import Logging
import SLA

#if canImport(FoundationNetworking)
#endif

/// Sends an HTTP POST; returns the status code. The edge notifications cross.
public protocol NotificationTransport: Sendable {
    func post(_ url: URL, body: Data, headers: [String: String], timeout: Double) async throws -> Int
}

/// `NotificationTransport` over URLSession.
public struct URLSessionNotificationTransport: NotificationTransport {
    public init() {}

    public func post(_ url: URL, body: Data, headers: [String: String], timeout: Double) async throws -> Int {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("etlworks-exporter/\(BuildInfo.version)", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}

/// Takes breaches from the engine at once and delivers them on its own time: Alertmanager
/// gets every active alert (and those resolved in the last 15 minutes) on each change and
/// every `resend_interval`; each webhook gets one event per change from a bounded queue, in
/// order, retried with exponential backoff. Nothing here ever waits on the engine's caller.
public actor NotificationDispatcher: SLAAlertSink {
    struct PendingEvent {
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

    private var active: [SLAAlert] = []
    private var resolved: [(alert: SLAAlert, until: Double)] = []
    private var alertmanagerDue = true
    private var alertmanagerNext: Double = 0
    private var alertmanagerFailures = 0
    private var queues: [[PendingEvent]]
    private var stats: [String: NotificationStats] = [:]
    private var sending = false

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

    public func deliver(changes: [SLAAlert], active: [SLAAlert]) async {
        let now = clock()
        self.active = active
        resolved.removeAll { $0.until < now }
        for change in changes where change.isResolved {
            resolved.removeAll { $0.alert.rule == change.rule && $0.alert.target == change.target }
            resolved.append((change, now + 900))
        }
        if !changes.isEmpty { alertmanagerDue = true }
        for index in queues.indices {
            for change in changes {
                if queues[index].count >= config.queueCapacity {
                    queues[index].removeFirst()
                    stats[Self.webhookName(index), default: NotificationStats()].dropped += 1
                }
                queues[index].append(PendingEvent(alert: change))
            }
        }
        await publishStats()
    }

    /// Sends what is due; the notification service calls this about every second.
    public func tick() async {
        guard !sending else { return }
        sending = true
        defer { sending = false }
        let now = clock()
        if let alertmanager = config.alertmanager,
            alertmanagerDue || now >= alertmanagerNext, now >= alertmanagerNext || alertmanagerFailures == 0
        {
            await sendAlertmanager(alertmanager, now: now)
        }
        for index in queues.indices { await sendWebhook(index, now: clock()) }
        await publishStats()
    }

    private func sendAlertmanager(_ target: NotificationConfig.Alertmanager, now: Double) async {
        let alerts = active + resolved.map(\.alert)
        alertmanagerDue = false
        guard !alerts.isEmpty else {
            alertmanagerNext = now + target.resendInterval
            return
        }
        let body = AlertPayloads.alertmanager(alerts, now: now, validFor: 4 * target.resendInterval, generatorURL: generatorURL)
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

    private func sendWebhook(_ index: Int, now: Double) async {
        let webhook = config.webhooks[index]
        let name = Self.webhookName(index)
        while var event = queues[index].first, event.notBefore <= now {
            let body = AlertPayloads.webhook(event.alert, sentAt: now)
            var headers: [String: String] = [:]
            if let secret = webhook.secret { headers["X-Signature-SHA256"] = AlertPayloads.signature(body: body, secret: secret) }
            do {
                let status = try await transport.post(webhook.url, body: body, headers: headers, timeout: webhook.timeout)
                guard (200..<300).contains(status) else { throw NotificationError.status(status) }
                queues[index].removeFirst()
                stats[name, default: NotificationStats()].sent += 1
            } catch {
                event.attempts += 1
                stats[name, default: NotificationStats()].failed += 1
                stats[name, default: NotificationStats()].lastError = redactor.scrub("\(error)")
                if event.attempts >= webhook.maxAttempts {
                    queues[index].removeFirst()
                    stats[name, default: NotificationStats()].dropped += 1
                    logger.warning(
                        "Dropped an SLA webhook event after \(event.attempts) attempts",
                        metadata: ["error": "\(redactor.scrub("\(error)"))", "receiver": "\(name)"])
                } else if !queues[index].isEmpty {
                    event.notBefore = now + min(60, pow(2, Double(event.attempts - 1)))
                    queues[index][0] = event
                }
                return
            }
        }
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
    var description: String {
        switch self {
        case .status(let code): return "HTTP \(code)"
        }
    }
}
