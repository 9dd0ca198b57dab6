import Store

/// One billing period's usage, as Etlworks bills it: the records it reported as used in the
/// period, against the period's allowance. Pure.
public struct BillingPeriod: Sendable, Equatable {
    /// The period's bounds as the API gave them (epoch seconds); nil when it gave none, and
    /// the calendar month was assumed.
    public var start: Double?
    public var end: Double?
    /// The allowance last reported in the period.
    public var allowance: Double?
    /// The period-to-date usage Etlworks last reported in the period, and when (the start
    /// of the window holding that poll).
    public var recordsUsed: Double
    public var asOf: Double
    /// Whether the period was over when the report was built.
    public var complete: Bool
    /// A period in progress only: usage at the period's end at the pace so far.
    public var projectedUsage: Double?
    /// When usage reached the allowance (a past time) or will at the pace so far.
    public var exhaustedAt: Double?

    /// Whether the allowance was used up when last reported.
    public var exhausted: Bool { allowance.map { $0 > 0 && recordsUsed >= $0 } ?? false }
    public var usedRatio: Double? { allowance.flatMap { $0 > 0 ? recordsUsed / $0 : nil } }
    public var overage: Double? { allowance.map { max(0, recordsUsed - $0) } }
    public var projectedRatio: Double? {
        projectedUsage.flatMap { used in allowance.flatMap { $0 > 0 ? used / $0 : nil } }
    }

    /// The period from its usage windows (time order, not empty). `bounds` are the period's
    /// as given, `assumed` the calendar month's, used where the API gave none; `now` is when
    /// the report was built.
    static func compute(
        usage: ArraySlice<SeriesPoint>, allowance: Double?, bounds: (start: Double, end: Double)?,
        assumed: (start: Double, end: Double), now: Double
    ) -> BillingPeriod {
        let last = usage.last!
        var period = BillingPeriod(
            start: bounds?.start, end: bounds?.end, allowance: allowance, recordsUsed: last.values.last,
            asOf: Double(last.timestamp), complete: now >= (bounds?.end ?? assumed.end))
        // Known only when a window below the allowance came first: usage already over it
        // at the first sample ran out at some unknown earlier time.
        if let limit = allowance, limit > 0, let crossing = usage.firstIndex(where: { $0.values.max >= limit }),
            crossing > usage.startIndex || usage.first!.values.min < limit
        {
            period.exhaustedAt = Double(usage[crossing].timestamp)
        }
        let start = bounds?.start ?? assumed.start, end = bounds?.end ?? assumed.end
        if !period.complete, period.asOf > start {
            let pace = period.recordsUsed / (period.asOf - start)
            period.projectedUsage = period.recordsUsed + pace * (end - period.asOf)
            if !period.exhausted, let limit = allowance, pace > 0 {
                let at = period.asOf + (limit - period.recordsUsed) / pace
                if at < end { period.exhaustedAt = at }
            }
        }
        return period
    }
}
