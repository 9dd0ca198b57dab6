/// Upper bounds, in seconds, of the run-duration histogram: from a second to a day, the
/// range ETL runs actually span. Stored counts are per bucket, so changing these bounds
/// needs `SQLiteRunStore.rebuildAggregates()` (done automatically on open).
public enum DurationBuckets {
    public static let upperBoundsSeconds: [Double] = [
        1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400
    ]

    /// The bucket of a duration in milliseconds: index of the first bound ≥ it, or
    /// `upperBoundsSeconds.count` for +Inf.
    public static func index(milliseconds: Int64) -> Int {
        let seconds = Double(milliseconds) / 1000
        return upperBoundsSeconds.firstIndex { seconds <= $0 } ?? upperBoundsSeconds.count
    }

    /// The bounds as stored in the database, to notice a change.
    static var signature: String { upperBoundsSeconds.map { String($0) }.joined(separator: ",") }
}
