import Foundation

/// Where breaches are pushed.
public struct NotificationConfig: Sendable, Equatable {
    public struct Alertmanager: Sendable, Equatable {
        public var url: URL
        /// How often active alerts are sent again.
        public var resendInterval: Double = 60
        public var timeout: Double = 10
        /// Labels added to every pushed alert (`notifications.alertmanager.labels`), e.g. the
        /// `job` and `instance` Prometheus gives the exporter's series.
        public var labels: [String: String] = [:]
    }

    public struct Webhook: Sendable, Equatable {
        public var url: URL
        /// Key of the `X-Signature-SHA256` HMAC; unsigned when nil.
        public var secret: String?
        public var timeout: Double = 10
        /// Attempts per event before it is dropped.
        public var maxAttempts: Int = 5
    }

    public var alertmanager: Alertmanager?
    public var webhooks: [Webhook] = []
    /// Events waiting for delivery per receiver; the oldest is dropped beyond this.
    public var queueCapacity: Int = 1000

    public init() {}

    /// Webhook secrets and passwords in receiver URLs (`https://user:password@host`), to
    /// scrub from logs and errors.
    public var secrets: [String] {
        let urls = webhooks.map(\.url) + (alertmanager.map { [$0.url] } ?? [])
        return webhooks.compactMap(\.secret) + urls.compactMap { $0.password }
    }
}
