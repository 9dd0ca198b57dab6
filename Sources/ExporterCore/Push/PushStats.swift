import Vocabulary

/// What the webhook endpoint has seen, for `etlworks_push_*`.
public struct PushStats: Sendable, Equatable {
    /// Accepted events by `event` label.
    public var received: [String: Int64] = [:]
    public var rejected: [PushFamilies.Rejection: Int64] = [:]
    public var duplicates: Int64 = 0
    public var lastEvent: Double?
    /// Completed runs by the source that saw them first, and seen by both.
    public var runsByPush: Int64 = 0
    public var runsByPoll: Int64 = 0
    public var runsByBoth: Int64 = 0

    public init() {}
}
