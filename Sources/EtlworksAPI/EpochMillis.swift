import Foundation

/// Instants and spans as the API, the store and the SLA engine keep them: whole epoch
/// milliseconds (`Int64`). Rules, clocks and Prometheus speak seconds (`Double`); every
/// conversion between the two is one of these, so a rounding is chosen once, here.
public enum EpochMillis {
    /// Milliseconds from seconds, to the nearest (or as `rule` says: `.up` for a deadline that
    /// must not fire early, `.down` for a cut-off that must not drop a run).
    @inlinable
    public static func from(seconds: Double, _ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int64 {
        Int64((seconds * 1000).rounded(rule))
    }

    /// Milliseconds of an instant.
    @inlinable
    public static func from(_ date: Date, _ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int64 {
        from(seconds: date.timeIntervalSince1970, rule)
    }

    /// Seconds from milliseconds.
    @inlinable
    public static func seconds(_ milliseconds: Int64) -> Double { Double(milliseconds) / 1000 }

    /// Milliseconds from whole epoch seconds (the series' timestamps).
    @inlinable
    public static func from(wholeSeconds: Int64) -> Int64 { wholeSeconds * 1000 }

    /// Whole seconds of `milliseconds`: the second holding it, or with `up`, the first
    /// second not before it (an exclusive end that must keep its last millisecond).
    @inlinable
    public static func wholeSeconds(_ milliseconds: Int64, up: Bool = false) -> Int64 {
        up ? (milliseconds + 999) / 1000 : milliseconds / 1000
    }

    /// The instant of `milliseconds`.
    @inlinable
    public static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: seconds(milliseconds)) }
}
