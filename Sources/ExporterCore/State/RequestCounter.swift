import Exposition
import Synchronization

/// Counts API requests by endpoint template and status code, and times them by endpoint
/// template. The HTTP client calls it from any task, hence the lock rather than an actor (the
/// observer is synchronous).
public final class RequestCounter: Sendable {
    /// An endpoint template and an HTTP status code (or `error`).
    public struct Key: Hashable, Sendable, Comparable {
        public var endpoint: String
        public var code: String

        public static func < (lhs: Key, rhs: Key) -> Bool { (lhs.endpoint, lhs.code) < (rhs.endpoint, rhs.code) }
    }

    /// How long the requests to one endpoint took: a histogram on `durationLayout`.
    public struct Durations: Sendable, Equatable {
        /// Per bucket, not cumulative; the last is `+Inf`.
        public var counts = [UInt64](repeating: 0, count: RequestCounter.durationLayout.upperBounds.count + 1)
        public var sum: Double = 0

        public var cumulative: [UInt64] {
            var total: UInt64 = 0
            return counts.map {
                total += $0
                return total
            }
        }
    }

    /// From a local API's tens of milliseconds to the client's timeout.
    public static let durationLayout = HistogramLayout(upperBounds: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60])

    private let counts = Mutex<(requests: [Key: Int64], durations: [String: Durations])>(([:], [:]))

    public init() {}

    /// One request answered with `code` (or failed: `error`) after `seconds` on the wire.
    public func record(endpoint: String, code: String, seconds: Double? = nil) {
        counts.withLock {
            $0.requests[Key(endpoint: endpoint, code: code), default: 0] += 1
            guard let seconds, seconds.isFinite, seconds >= 0 else { return }
            $0.durations[endpoint, default: Durations()].counts[Self.durationLayout.bucketIndex(of: seconds)] += 1
            $0.durations[endpoint, default: Durations()].sum += seconds
        }
    }

    public var snapshot: [Key: Int64] { counts.withLock { $0.requests } }

    public var durations: [String: Durations] { counts.withLock { $0.durations } }

    /// Total requests so far.
    public var total: Int64 { counts.withLock { $0.requests.values.reduce(0, +) } }
}
