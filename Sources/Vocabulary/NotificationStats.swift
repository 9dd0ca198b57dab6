/// Delivery counts of one notification receiver.
public struct NotificationStats: Sendable, Equatable {
    public var sent: Int64 = 0
    public var failed: Int64 = 0
    public var dropped: Int64 = 0
    public var queued: Int = 0
    public var lastError: String?
    public init() {}
}
