import EtlworksAPI
import Store

/// Billing for the month, from the stored `etlworks_billing_*` series. Pure.
public struct BillingUsage: Sendable, Equatable {
    public var tier: String?
    public var status: String?
    /// The monthly allowance last reported in the month.
    public var allowance: Double?
    /// The period-to-date usage Etlworks last reported in the month, and when (the start of
    /// the window holding that poll).
    public var recordsUsed: Double
    public var asOf: Double
    /// Growth of the usage counter per local day (reset-aware); nil for days without samples.
    public var daily: [Double?]
    /// The period-to-date usage last reported on each local day; nil for days without samples.
    public var endOfDay: [Double?]
    /// The current month only: usage at the month's end at the pace so far (usage over the
    /// time since the month began).
    public var projectedUsage: Double?
    /// When usage reached the allowance (a past time) or will at the pace so far.
    public var exhaustedAt: Double?

    /// Whether the allowance was used up when last reported.
    public var exhausted: Bool { allowance.map { $0 > 0 && recordsUsed >= $0 } ?? false }
    public var usedRatio: Double? { allowance.flatMap { $0 > 0 ? recordsUsed / $0 : nil } }
    public var overage: Double? { allowance.map { max(0, recordsUsed - $0) } }

    /// nil when no usage was stored for the month. `usage` and `allowance` are windows of
    /// the month-period series in time order; `complete` says whether the month is over.
    static func compute(
        usage: [SeriesPoint], allowance: [SeriesPoint], tier: String?, status: String?,
        month: ReportMonth, complete: Bool
    ) -> BillingUsage? {
        guard let last = usage.last else { return nil }
        var daily = [Double?](repeating: nil, count: month.dayCount)
        var endOfDay = daily
        for point in usage {
            guard let day = month.day(of: EpochMillis.from(wholeSeconds: point.timestamp)) else { continue }
            daily[day] = (daily[day] ?? 0) + (point.values.increase ?? 0)
            endOfDay[day] = point.values.last
        }
        var billing = BillingUsage(
            tier: tier, status: status, allowance: allowance.last?.values.last,
            recordsUsed: last.values.last, asOf: Double(last.timestamp), daily: daily,
            endOfDay: endOfDay)
        // Known only when a window below the allowance came first: usage already over it
        // at the first sample ran out at some unknown earlier time.
        if let limit = billing.allowance, limit > 0,
            let crossing = usage.firstIndex(where: { $0.values.max >= limit }), crossing > 0 || usage[0].values.min < limit
        {
            billing.exhaustedAt = Double(usage[crossing].timestamp)
        }
        let monthStart = EpochMillis.seconds(month.start), monthEnd = EpochMillis.seconds(month.end)
        if !complete, billing.asOf > monthStart {
            let pace = billing.recordsUsed / (billing.asOf - monthStart)
            billing.projectedUsage = billing.recordsUsed + pace * (monthEnd - billing.asOf)
            if !billing.exhausted, let limit = billing.allowance, pace > 0 {
                let at = billing.asOf + (limit - billing.recordsUsed) / pace
                if at < monthEnd { billing.exhaustedAt = at }
            }
        }
        return billing
    }
}
