import EtlworksAPI
import Foundation

/// Calendar days in the tenant's time zone, as `/v1/metrics/executions?date=` takes them.
///
/// With the zone unknown, days are UTC dates and every date that is current somewhere from
/// UTC-10 (Hawaii) to UTC+13 (New Zealand in summer) counts as today: a 23-hour window, so
/// one or two dates, and runs are found whatever zone in that range the tenant's days are
/// cut in. Tenants further out set `etlworks.timezone`.
struct TenantDays: Sendable {
    let calendar: Calendar
    /// How far "now" may lie behind and ahead of the calendar's own now.
    let behind: Double
    let ahead: Double

    init(timeZone: TimeZone?) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone ?? TimeZone(identifier: "UTC")!
        self.calendar = calendar
        behind = timeZone == nil ? 10 * 3600 : 0
        ahead = timeZone == nil ? 13 * 3600 : 0
    }

    /// `YYYY-MM-DD` of the day containing `date`.
    func label(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// The latest date that is current somewhere, as a day start.
    func latestDay(now: Date) -> Date { start(of: now.addingTimeInterval(ahead)) }

    /// The earliest day `backfill` reaches back to from any current date.
    func earliestDay(now: Date, backfill: Double) -> Date { start(of: now.addingTimeInterval(-backfill - behind)) }

    /// Start of the day containing `date`.
    func start(of date: Date) -> Date { calendar.startOfDay(for: date) }

    /// The day `offset` days from the one containing `date`.
    func day(_ offset: Int, from date: Date) -> Date {
        calendar.date(byAdding: .day, value: offset, to: start(of: date)) ?? date
    }

    /// The days to poll at `now`, oldest first: today (every current date when the zone is
    /// unknown); yesterday while within `grace` of midnight (runs queued late yesterday
    /// finish today); and, after a gap, every day since `lastPolled` (or `backfill` back on
    /// first start).
    func daysToPoll(now: Date, lastPolled: Date?, backfill: Double, grace: Double) -> [Date] {
        let today = latestDay(now: now)
        let earliestAllowed = earliestDay(now: now, backfill: backfill)
        var first: Date
        if let lastPolled {
            first = max(start(of: lastPolled), earliestAllowed)
        } else {
            first = earliestAllowed
        }
        first = min(first, start(of: now.addingTimeInterval(-behind)))
        if now.timeIntervalSince(start(of: now)) < grace { first = min(first, day(-1, from: now)) }
        var days: [Date] = []
        var cursor = min(first, today)
        while cursor <= today {
            days.append(cursor)
            guard let next = calendar.date(byAdding: .day, value: 1, to: cursor) else { break }
            cursor = next
        }
        return days
    }

    /// The `offset` an older Reporting API takes for the day starting at `date`: whole days
    /// back from the calendar's today (0 for today and any later date).
    func offset(of date: Date, now: Date) -> Int {
        let days = calendar.dateComponents([.day], from: start(of: date), to: start(of: now)).day ?? 0
        return max(0, days)
    }

    /// Whether `run` belongs to the day starting at `date` (the day it was queued, else
    /// started), with the zone's slack when the zone is unknown.
    func holds(_ date: Date, _ run: FlowRun) -> Bool {
        guard let time = run.created ?? run.started ?? run.ended else { return true }
        let instant = EpochMillis.date(time)
        let end = self.day(1, from: date)
        return instant >= date.addingTimeInterval(-ahead) && instant < end.addingTimeInterval(behind)
    }
}
