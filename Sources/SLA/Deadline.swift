import Foundation

/// "A run must have ended in success between `after` and `at` local time on these days": the
/// contract an ETL team most often has ("the nightly load is done by 06:00 on business days").
/// Pure: the latest deadline at or before an instant, and the next one after it.
public struct Deadline: Sendable, Equatable, Hashable {
    /// Seconds after local midnight by which the success is due.
    public var at: Int
    /// Seconds after local midnight from which a success counts; at or after `at`: the day
    /// before (a window across midnight, "between 22:00 and 06:00").
    public var after: Int
    /// The zone the times and days are read in; nil: `etlworks.timezone`.
    public var timeZone: TimeZone?
    /// Weekdays it applies on, 1 (Sunday) to 7 (Saturday), as `Calendar` numbers them.
    public var days: Set<Int>
    /// Local dates (`yyyy-MM-dd`) it does not apply on.
    public var holidays: Set<String>

    public static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public init(
        at: Int, after: Int = 0, timeZone: TimeZone? = nil, days: Set<Int> = Set(1...7), holidays: Set<String> = []
    ) {
        self.at = at
        self.after = after
        self.timeZone = timeZone
        self.days = days
        self.holidays = holidays
    }

    /// One deadline: when the success is due, and from when a success counts (epoch seconds).
    public struct Due: Sendable, Equatable {
        public var due: Double
        public var windowStart: Double
    }

    /// The latest deadline at or before `now`, looking back at most 400 days (nil: none, when
    /// no day of the past 400 applies).
    public func latest(atOrBefore now: Double, in zone: TimeZone) -> Due? {
        first(from: now, in: zone, step: -1) { $0.due <= now }
    }

    /// The first deadline after `now`, looking ahead at most 400 days.
    public func next(after now: Double, in zone: TimeZone) -> Double? {
        first(from: now, in: zone, step: 1) { $0.due > now }?.due
    }

    /// The first deadline `accept`s, walking the local days from the one holding `now` by `step`.
    private func first(from now: Double, in zone: TimeZone, step: Int, where accept: (Due) -> Bool) -> Due? {
        let calendar = Self.calendar(timeZone ?? zone)
        let today = calendar.startOfDay(for: Date(timeIntervalSince1970: now))
        for offset in 0...400 {
            guard let day = calendar.date(byAdding: .day, value: offset * step, to: today),
                let due = due(on: day, calendar: calendar), accept(due)
            else { continue }
            return due
        }
        return nil
    }

    /// The deadline of the local day starting at `day`, if it applies on that day.
    private func due(on day: Date, calendar: Calendar) -> Due? {
        let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
        guard let weekday = parts.weekday, days.contains(weekday), let year = parts.year, let month = parts.month,
            let date = parts.day
        else { return nil }
        if !holidays.isEmpty, holidays.contains(Self.dateText(year: year, month: month, day: date)) { return nil }
        guard let due = Self.time(at, year: year, month: month, day: date, calendar: calendar) else { return nil }
        let startDay = after < at ? date : date - 1 // DateComponents carries a day 0 into the month before
        guard let start = Self.time(after, year: year, month: month, day: startDay, calendar: calendar) else { return nil }
        return Due(due: due, windowStart: start)
    }

    /// A local wall-clock time as an instant; one skipped by a clock change falls after it.
    private static func time(_ seconds: Int, year: Int, month: Int, day: Int, calendar: Calendar) -> Double? {
        let components = DateComponents(
            year: year, month: month, day: day, hour: seconds / 3600, minute: seconds % 3600 / 60, second: seconds % 60)
        return calendar.date(from: components)?.timeIntervalSince1970
    }

    static func dateText(year: Int, month: Int, day: Int) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(year)-\(two(month))-\(two(day))"
    }

    private static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// "06:00" or "06:00:30" as seconds after midnight; nil when it is not a time of day.
    public static func parseTime(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0.count == 2 }) else { return nil }
        let numbers = parts.compactMap { Int($0) }
        guard numbers.count == parts.count, numbers[0] < 24, numbers[1] < 60, numbers.count < 3 || numbers[2] < 60 else {
            return nil
        }
        return numbers[0] * 3600 + numbers[1] * 60 + (numbers.count == 3 ? numbers[2] : 0)
    }

    /// Whether `text` is a real `yyyy-MM-dd` date.
    public static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        let calendar = Self.calendar(TimeZone(identifier: "UTC")!)
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)) else { return false }
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        return back.year == year && back.month == month && back.day == day
    }
}
