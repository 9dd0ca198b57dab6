import EtlworksAPI

/// Upper bounds, in seconds, of the run-duration histogram (`metrics.duration_buckets`).
/// Stored counts are per bucket, so the store recounts its histogram from the runs it still
/// holds when the bounds change (see `SQLiteRunStore.init`).
public struct DurationBuckets: Sendable, Equatable {
    /// Ascending, finite, positive; +Inf is implied.
    public let upperBoundsSeconds: [Double]

    /// From a second to a day, the range ETL runs actually span.
    public static let standard = DurationBuckets(validated: [
        1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400
    ])

    /// Nil unless `bounds` holds at least one finite, positive bound, each larger than the one before.
    public init?(_ bounds: [Double]) {
        guard !bounds.isEmpty, bounds.allSatisfy({ $0.isFinite && $0 > 0 }),
            zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 })
        else { return nil }
        upperBoundsSeconds = bounds
    }

    private init(validated bounds: [Double]) { upperBoundsSeconds = bounds }

    /// Buckets including +Inf.
    public var count: Int { upperBoundsSeconds.count + 1 }

    /// The bucket of a duration in milliseconds: index of the first bound ≥ it, or
    /// `upperBoundsSeconds.count` for +Inf.
    public func index(milliseconds: Int64) -> Int {
        let seconds = EpochMillis.seconds(milliseconds)
        return upperBoundsSeconds.firstIndex { seconds <= $0 } ?? upperBoundsSeconds.count
    }

    /// The bounds as stored in the database, to notice a change.
    var signature: String { upperBoundsSeconds.map { String($0) }.joined(separator: ",") }
}
