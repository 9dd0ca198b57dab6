/// How much of the (elapsed) month the stored data covers, told apart for the two kinds of
/// data: runs, read from the API's history in whole days and so complete over a span however
/// often the exporter polled (`runs*`), and the series sampled at each poll (billing, agents,
/// SLA observation), which have holes where it did not poll (`ratio`: time is cut into slots,
/// and a slot is covered when it holds an executions poll). Pure.
public struct ReportCoverage: Sendable, Equatable {
    /// The share of the month's slots holding a poll: what the sampled series cover.
    public var ratio: Double
    /// The first and last executions poll in the month, epoch seconds.
    public var firstSample: Double?
    public var lastSample: Double?
    /// The slot width: 5 minutes, or the polling interval when that is longer.
    public var slotSeconds: Int64
    /// The covered share of each local day (0 for days not yet begun).
    public var dayRatios: [Double]
    /// The span of the month whose runs are all stored (epoch seconds; nil when none is),
    /// and its share of the (elapsed) month.
    public var runsFrom: Double?
    public var runsTo: Double?
    public var runsRatio: Double = 0

    /// Sets the runs' span within [from, to): from the start of the run history
    /// (`RunHistory`; where unrecorded, the first sample) to the end of the last poll's slot.
    public mutating func addRuns(historyStart: Int64?, from: Int64, to: Int64) {
        let firstSlot = firstSample.map { Double(Self.floor(Int64($0), slotSeconds)) }
        guard let first = historyStart.map(Double.init) ?? firstSlot, let last = lastSample, to > from else { return }
        let start = max(Double(from), first), end = min(Double(to), last + Double(slotSeconds))
        guard end > start else { return }
        (runsFrom, runsTo, runsRatio) = (start, end, (end - start) / Double(to - from))
    }

    /// Coverage of [from, to) (epoch seconds; `dayStarts` as in `ReportMonth`, in seconds)
    /// from the raw poll times and, where retention removed those, the 5-minute and hourly
    /// buckets that recorded polls. A slot counts only once it is over.
    public static func compute(
        polls: [Int64], fiveMinuteBuckets: [Int64], hourBuckets: [Int64],
        dayStarts: [Int64], to: Int64
    ) -> ReportCoverage {
        let slot = slotWidth(polls)
        let fine = Set(polls.map { floor($0, slot) } + fiveMinuteBuckets.map { floor($0, slot) })
        let hours = Set(hourBuckets)
        // Before the oldest fine record only hourly buckets remain.
        let fineFrom = min(polls.first ?? .max, fiveMinuteBuckets.first ?? .max)
        var dayRatios: [Double] = []
        var covered: Int64 = 0, total: Int64 = 0
        for day in 0..<(dayStarts.count - 1) {
            let dayEnd = min(dayStarts[day + 1], to)
            var dayCovered: Int64 = 0, dayTotal: Int64 = 0
            var start = floor(dayStarts[day], slot)
            while start < dayEnd {
                // The part of the slot inside this day (a day boundary need not be a slot boundary).
                let part = min(start + slot, dayStarts[day + 1]) - max(start, dayStarts[day])
                if start + slot <= to && part > 0 {
                    dayTotal += part
                    let isCovered = start + slot > fineFrom ? fine.contains(start) : hours.contains(floor(start, 3600))
                    if isCovered { dayCovered += part }
                }
                start += slot
            }
            dayRatios.append(dayTotal > 0 ? Double(dayCovered) / Double(dayTotal) : 0)
            covered += dayCovered
            total += dayTotal
        }
        // A bucket stands for its polls only where no finer record of them remains.
        let fineBuckets = Set(polls.map { floor($0, 300) })
        let fiveMinute = fiveMinuteBuckets.filter { !fineBuckets.contains($0) }
        let hourly = Set((polls + fiveMinute).map { floor($0, 3600) })
        let samples = polls + fiveMinute + hourBuckets.filter { !hourly.contains($0) }
        return ReportCoverage(
            ratio: total > 0 ? Double(covered) / Double(total) : 0,
            firstSample: samples.min().map(Double.init), lastSample: samples.max().map(Double.init),
            slotSeconds: slot, dayRatios: dayRatios)
    }

    /// 5 minutes, widened to whole 5 minutes when the median time between polls is longer.
    static func slotWidth(_ polls: [Int64]) -> Int64 {
        guard polls.count >= 3 else { return 300 }
        var gaps = zip(polls.dropFirst(), polls).map { $0 - $1 }
        gaps.sort()
        let median = gaps[gaps.count / 2]
        return max(300, (median + 299) / 300 * 300)
    }

    static func floor(_ value: Int64, _ width: Int64) -> Int64 {
        let remainder = value % width
        return remainder < 0 ? value - remainder - width : value - remainder
    }
}
