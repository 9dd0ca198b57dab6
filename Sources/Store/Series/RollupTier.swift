/// The resolutions history is kept at: raw samples, and 5-minute, hourly and daily rollups
/// (UTC-aligned buckets), each tier built from the one below it.
public enum RollupTier: String, Sendable, CaseIterable, Comparable {
    case raw
    case fiveMinutes = "5m"
    case hour = "1h"
    case day = "1d"

    /// Bucket width in seconds; 0 for raw samples.
    public var seconds: Int64 {
        switch self {
        case .raw: return 0
        case .fiveMinutes: return 300
        case .hour: return 3600
        case .day: return 86400
        }
    }

    /// The table holding the tier.
    var table: String {
        switch self {
        case .raw: return "samples"
        case .fiveMinutes: return "rollup_5m"
        case .hour: return "rollup_1h"
        case .day: return "rollup_1d"
        }
    }

    /// The tier this one is rolled up from; nil for raw.
    var source: RollupTier? {
        switch self {
        case .raw: return nil
        case .fiveMinutes: return .raw
        case .hour: return .fiveMinutes
        case .day: return .hour
        }
    }

    /// The meta key of the tier's watermark: every bucket starting before it is complete.
    var watermarkKey: String { "rollup.\(rawValue).done_until" }

    /// The coarsest tier whose buckets are no wider than `step` seconds.
    public static func resolving(step: Int64) -> RollupTier {
        allCases.last { $0.seconds <= step } ?? .raw
    }

    /// The start of the bucket holding `timestamp`.
    func bucket(of timestamp: Int64) -> Int64 {
        BucketConsolidator.floor(timestamp, seconds)
    }

    public static func < (lhs: RollupTier, rhs: RollupTier) -> Bool { lhs.seconds < rhs.seconds }
}
