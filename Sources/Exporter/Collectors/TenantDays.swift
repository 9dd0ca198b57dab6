import Foundation

/// Calendar days in the tenant's time zone, as `/v1/metrics/executions?date=` takes them.
struct TenantDays: Sendable {
    let calendar: Calendar

    init(timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// `YYYY-MM-DD` of the day containing `date`.
    func label(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Start of the day containing `date`.
    func start(of date: Date) -> Date { calendar.startOfDay(for: date) }

    /// The day `offset` days from the one containing `date`.
    func day(_ offset: Int, from date: Date) -> Date {
        calendar.date(byAdding: .day, value: offset, to: start(of: date)) ?? date
    }

    /// The days to poll at `now`, oldest first: today; yesterday while within `grace` of
    /// midnight (runs queued late yesterday finish today); and, after a gap, every day since
    /// `lastPolledDay` (or `backfill` back on first start).
    func daysToPoll(now: Date, lastPolled: Date?, backfill: Double, grace: Double) -> [Date] {
        let today = start(of: now)
        let earliestAllowed = start(of: now.addingTimeInterval(-backfill))
        var first: Date
        if let lastPolled {
            first = max(start(of: lastPolled), earliestAllowed)
        } else {
            first = earliestAllowed
        }
        if now.timeIntervalSince(today) < grace { first = min(first, day(-1, from: now)) }
        var days: [Date] = []
        var cursor = min(first, today)
        while cursor <= today {
            days.append(cursor)
            guard let next = calendar.date(byAdding: .day, value: 1, to: cursor) else { break }
            cursor = next
        }
        return days
    }
}
