import Synchronization

/// Counts API requests by endpoint template and status code. The HTTP client calls it from
/// any task, hence the lock rather than an actor (the observer is synchronous).
public final class RequestCounter: Sendable {
    /// An endpoint template and an HTTP status code (or `error`).
    public struct Key: Hashable, Sendable, Comparable {
        public var endpoint: String
        public var code: String

        public static func < (lhs: Key, rhs: Key) -> Bool { (lhs.endpoint, lhs.code) < (rhs.endpoint, rhs.code) }
    }

    private let counts = Mutex<[Key: Int64]>([:])

    public init() {}

    public func record(endpoint: String, code: String) {
        counts.withLock { $0[Key(endpoint: endpoint, code: code), default: 0] += 1 }
    }

    public var snapshot: [Key: Int64] { counts.withLock { $0 } }

    /// Total requests so far.
    public var total: Int64 { counts.withLock { $0.values.reduce(0, +) } }
}
