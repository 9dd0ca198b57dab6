import Foundation

/// Where breaches are pushed.
public struct NotificationConfig: Sendable, Equatable {
    public struct Alertmanager: Sendable, Equatable {
        public var url: URL
        /// How often active alerts are sent again.
        public var resendInterval: Double = 60
        public var timeout: Double = 10
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

    public var secrets: [String] { webhooks.compactMap(\.secret) }
}
