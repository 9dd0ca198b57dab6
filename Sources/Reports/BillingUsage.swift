import EtlworksAPI
import Store

/// Billing for the month, from the stored `etlworks_billing_*` series: each billing period
/// that overlaps the month, whole, as the API bounds it (`etlworks_billing_period_*`; a period
/// from the 15th to the 15th is two periods in a calendar month, neither cut at the month's
/// edges), and the usage counter's growth per local day of the month. Pure.
public struct BillingUsage: Sendable, Equatable {
    public var tier: String?
    public var status: String?
    /// The billing periods overlapping the month, oldest first (never empty). Without period
    /// bounds from the API, one period: the calendar month.
    public var periods: [BillingPeriod]
    /// Growth of the usage counter per local day (reset-aware); nil for days without samples.
    public var daily: [Double?]
    /// The period-to-date usage last reported on each local day; nil for days without samples.
    public var endOfDay: [Double?]

    /// The latest period: the one the month's last sample belongs to, or a later one.
    public var current: BillingPeriod { periods[periods.count - 1] }

    /// nil when no usage was stored for the month. `usage`, `allowance`, `periodStarts` and
    /// `periodEnds` are windows of the month-period series in time order, over the month and
    /// the rest of the billing periods that overlap it; `now` is when the report is built.
    static func compute(
        usage: [SeriesPoint], allowance: [SeriesPoint], periodStarts: [SeriesPoint] = [],
        periodEnds: [SeriesPoint] = [], tier: String?, status: String?, month: ReportMonth, now: Double
    ) -> BillingUsage? {
        let monthStart = EpochMillis.seconds(month.start), monthEnd = EpochMillis.seconds(month.end)
        var daily = [Double?](repeating: nil, count: month.dayCount)
        var endOfDay = daily
        for point in usage {
            guard let day = month.day(of: EpochMillis.from(wholeSeconds: point.timestamp)) else { continue }
            daily[day] = (daily[day] ?? 0) + (point.values.increase ?? 0)
            endOfDay[day] = point.values.last
        }
        // Each window belongs to the period the API named at that time (the latest named
        // before it where a window lacks one).
        let starts = Dictionary(periodStarts.map { ($0.timestamp, $0.values.last) }, uniquingKeysWith: { $1 })
        let ends = Dictionary(periodEnds.map { ($0.timestamp, $0.values.last) }, uniquingKeysWith: { $1 })
        var periods: [BillingPeriod] = []
        var bounds: (start: Double, end: Double)?
        var first = usage.startIndex
        func close(upTo end: Int) {
            guard end > first else { return }
            let slice = usage[first..<end]
            let periodStart = bounds?.start ?? monthStart, periodEnd = bounds?.end ?? monthEnd
            // Only periods that overlap the month.
            guard periodStart < monthEnd, periodEnd > monthStart else { return }
            let window = Int64(slice.first!.timestamp)...Int64(slice.last!.timestamp)
            let limit = allowance.last { window.contains($0.timestamp) } ?? allowance.last { $0.timestamp <= window.upperBound }
            periods.append(
                BillingPeriod.compute(
                    usage: slice, allowance: limit?.values.last, bounds: bounds, assumed: (monthStart, monthEnd), now: now))
        }
        for index in usage.indices {
            let timestamp = usage[index].timestamp
            var next = bounds
            if let start = starts[timestamp], let end = ends[timestamp], end > start { next = (start, end) }
            if index > first, next?.start != bounds?.start || next?.end != bounds?.end {
                close(upTo: index)
                first = index
            }
            bounds = next
        }
        close(upTo: usage.endIndex)
        guard !periods.isEmpty else { return nil }
        return BillingUsage(tier: tier, status: status, periods: periods, daily: daily, endOfDay: endOfDay)
    }
}
