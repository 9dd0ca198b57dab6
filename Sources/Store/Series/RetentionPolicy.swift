/// How long each tier keeps its rows, seconds. A tier never drops rows the next tier has
/// not rolled up yet, whatever its retention.
public struct RetentionPolicy: Sendable, Equatable {
    public var seconds: [RollupTier: Int64]
    /// Completed runs (the usage report reads whole months of them; counters do not need
    /// them: they are kept as totals).
    public var runs: Int64 = 400 * 86400
    /// Ended SLA breach episodes.
    public var episodes: Int64 = 400 * 86400
    /// The least `runs` may be: more than the longest backfill (92 days), so that a run the
    /// API lists again is still known and never counted twice.
    public static let minimumRuns: Int64 = 93 * 86400

    /// 7 days raw, 90 days at 5 minutes, 400 days hourly, 5 years daily.
    public static let standard = RetentionPolicy(seconds: [
        .raw: 7 * 86400, .fiveMinutes: 90 * 86400, .hour: 400 * 86400, .day: 5 * 365 * 86400
    ])

    public init(seconds: [RollupTier: Int64]) {
        self.seconds = seconds
    }

    public func retention(of tier: RollupTier) -> Int64 {
        seconds[tier] ?? Self.standard.seconds[tier] ?? 0
    }
}
