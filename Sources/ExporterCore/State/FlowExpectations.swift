import EtlworksAPI
import ExporterBase
import Foundation

/// What a flow is expected to do, from its enabled schedules and its own history: how often
/// it runs, when next, and how long a run takes. Pure.
public struct FlowExpectation: Sendable, Equatable {
    /// The most frequent gap between firings of its schedules over the next ones (the
    /// shortest when several are as frequent), seconds: 3600 for hourly cron, 86400 for a
    /// weekday cron (the weekend's gap is the rare one), 604800 for weekly.
    public var interval: Double?
    /// The coming firings of its cron schedules, epoch seconds, ascending: the next run is
    /// the first still ahead at any instant, without evaluating cron at every scrape.
    public var firings: [Double] = []
    /// The schedule's expected time when given (the most generous), else the p95 of recent
    /// run times.
    public var duration: Double?

    public init(interval: Double? = nil, firings: [Double] = [], duration: Double? = nil) {
        self.interval = interval
        self.firings = firings
        self.duration = duration
    }

    /// The next firing after `now`, if one is known.
    public func nextRun(after now: Double) -> Double? { firings.first { $0 > now } }

    /// Firings looked ahead per schedule: enough for a weekly cadence to show its regular
    /// gap more often than a month's odd one.
    static let lookahead = 16

    /// A flow's expectation from its enabled `schedules` at `now`, and `recentP95` (its
    /// nearest-rank p95 run time over 30 days, when it has enough runs).
    public static func of(
        schedules: [FlowSchedule], recentP95: Double?, now: Double, timeZone: TimeZone
    ) -> FlowExpectation {
        var expectation = FlowExpectation()
        var gaps: [Double] = []
        for schedule in schedules where schedule.enabled {
            guard let text = schedule.schedule, let cadence = try? FlowCadence(schedule: text) else { continue }
            switch cadence {
            case .every(let seconds):
                gaps.append(seconds)
            case .cron:
                var times: [Double] = []
                var time = now
                while times.count < lookahead, let next = cadence.next(after: time, in: timeZone) {
                    times.append(next)
                    time = next
                }
                for (earlier, later) in zip(times, times.dropFirst()) { gaps.append((later - earlier).rounded()) }
                expectation.firings += times
            }
        }
        expectation.firings.sort()
        if expectation.firings.count > lookahead { expectation.firings.removeLast(expectation.firings.count - lookahead) }
        expectation.interval = mostFrequent(gaps)
        let expected = schedules.filter(\.enabled).compactMap(\.expectedSeconds).filter { $0 > 0 }.max()
        expectation.duration = expected ?? recentP95
        return expectation
    }

    /// The most frequent value, the smallest among equally frequent ones.
    static func mostFrequent(_ values: [Double]) -> Double? {
        var counts: [Double: Int] = [:]
        for value in values where value > 0 { counts[value, default: 0] += 1 }
        return counts.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key
    }
}
