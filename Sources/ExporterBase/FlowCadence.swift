import Foundation

/// When a flow's schedule fires next: every N seconds, or by a cron expression (Unix five
/// fields, or Quartz six or seven with seconds first, as Etlworks writes them).
public enum FlowCadence: Sendable, Equatable {
    case every(seconds: Double)
    case cron(CronExpression)

    /// Reads a schedule string from `/v1/schedules`: a number of seconds or a cron expression.
    public init(schedule: String) throws(CronError) {
        let trimmed = schedule.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) {
            guard seconds > 0, seconds.isFinite else { throw CronError("'\(schedule)': a period must be above 0 seconds") }
            self = .every(seconds: seconds)
        } else {
            self = .cron(try CronExpression(trimmed))
        }
    }

    /// The first firing strictly after `time` (epoch seconds), nil when there is none within
    /// five years.
    public func next(after time: Double, in timeZone: TimeZone) -> Double? {
        switch self {
        case .every(let seconds): return time + seconds
        case .cron(let expression): return expression.next(after: time, in: timeZone)
        }
    }
}

public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A cron expression as sets of allowed values per field. Days of month and of week follow
/// Vixie cron: when both are restricted, either may match.
public struct CronExpression: Sendable, Equatable {
    var seconds: Set<Int>
    var minutes: Set<Int>
    var hours: Set<Int>
    var daysOfMonth: Set<Int>
    var months: Set<Int>
    /// 0 = Sunday.
    var daysOfWeek: Set<Int>
    var years: Set<Int>?
    var domRestricted: Bool
    var dowRestricted: Bool
    /// The times of day, ascending.
    private var sortedHours: [Int] = [], sortedMinutes: [Int] = [], sortedSeconds: [Int] = []

    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(_ text: String) throws(CronError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let quartz: Bool
        switch fields.count {
        case 5: quartz = false
        case 6, 7: quartz = true
        default: throw CronError("'\(text)' has \(fields.count) fields; expected 5 (Unix) or 6-7 (Quartz, seconds first)")
        }
        let offset = quartz ? 1 : 0
        func field(_ index: Int, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], nameBase: Int = 0)
            throws(CronError) -> Set<Int>?
        {
            try Self.parse(fields[index], name: name, range: range, names: names, nameBase: nameBase, expression: text)
        }
        seconds = quartz ? try field(0, "seconds", 0...59) ?? Set(0...59) : [0]
        minutes = try field(offset, "minutes", 0...59) ?? Set(0...59)
        hours = try field(offset + 1, "hours", 0...23) ?? Set(0...23)
        let dom = try field(offset + 2, "day of month", 1...31)
        months = try field(offset + 3, "month", 1...12, names: Self.monthNames, nameBase: 1) ?? Set(1...12)
        var dow: Set<Int>?
        if quartz {
            // Quartz numbers days 1 (Sunday) to 7 (Saturday).
            dow = try field(offset + 4, "day of week", 1...7, names: Self.dayNames, nameBase: 1).map { Set($0.map { $0 - 1 }) }
        } else {
            dow = try field(offset + 4, "day of week", 0...7, names: Self.dayNames, nameBase: 0).map { Set($0.map { $0 % 7 }) }
        }
        daysOfMonth = dom ?? Set(1...31)
        daysOfWeek = dow ?? Set(0...6)
        domRestricted = dom != nil
        dowRestricted = dow != nil
        years = fields.count == 7 ? try field(6, "year", 1970...2199) : nil
        guard !seconds.isEmpty, !minutes.isEmpty, !hours.isEmpty, !daysOfMonth.isEmpty, !months.isEmpty, !daysOfWeek.isEmpty
        else {
            throw CronError("'\(text)' never fires")
        }
        (sortedHours, sortedMinutes, sortedSeconds) = (hours.sorted(), minutes.sorted(), seconds.sorted())
    }

    /// A field's values, or nil for `*` and `?` (unrestricted).
    private static func parse(
        _ field: String, name: String, range: ClosedRange<Int>, names: [String], nameBase: Int,
        expression: String
    ) throws(CronError) -> Set<Int>? {
        if field == "?" || field == "*" { return nil }
        func value(_ text: String) throws(CronError) -> Int {
            if let number = Int(text), range.contains(number) { return number }
            if let index = names.firstIndex(of: text.uppercased()) { return index + nameBase }
            throw CronError("'\(expression)': \(name) '\(text)' is not a value in \(range.lowerBound)-\(range.upperBound)")
        }
        var result = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if part.contains(where: { "LW#".contains($0) }) && Int(part) == nil && names.firstIndex(of: part.uppercased()) == nil
            {
                throw CronError("'\(expression)': \(name) '\(part)' uses L, W or #, which are not supported")
            }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw CronError("'\(expression)': \(name) '\(part)' has more than one /") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw CronError("'\(expression)': \(name) step '\(pieces[1])' must be a whole number above 0")
                }
                step = parsed
            }
            let base = pieces[0]
            var low: Int, high: Int
            if base == "*" || base == "?" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-"), dash != base.startIndex {
                low = try value(String(base[..<dash]))
                high = try value(String(base[base.index(after: dash)...]))
                guard low <= high else { throw CronError("'\(expression)': \(name) range '\(base)' is reversed") }
            } else {
                low = try value(base)
                high = pieces.count == 2 ? range.upperBound : low
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    /// The first firing strictly after `time`, nil when none within five years.
    public func next(after time: Double, in timeZone: TimeZone) -> Double? {
        if let found = nextAtSteadyOffset(after: time, in: timeZone) { return found }
        return nextByCalendar(after: time, in: timeZone)
    }

    /// The first firing strictly after `time`, by arithmetic on the local date and time: exact
    /// when the zone's offset from UTC does not change before the firing, nil otherwise (the
    /// calendar then decides). A replay asks this for every run of a month; the calendar's
    /// way took half of its time.
    func nextAtSteadyOffset(after time: Double, in timeZone: TimeZone) -> Double? {
        guard time.isFinite, abs(time) < 1e11 else { return nil }
        let start = Date(timeIntervalSince1970: time)
        let offset = Int64(timeZone.secondsFromGMT(for: start))
        let change = timeZone.nextDaylightSavingTimeTransition(after: start)?.timeIntervalSince1970 ?? .infinity
        // Local seconds since 1970; a firing is on a whole second, strictly after `time`.
        let earliest = Int64((time + Double(offset)).rounded(.down)) + 1
        var day = UTCTime.day(containing: earliest)
        for _ in 0..<(5 * 366) {
            let base = day * 86400
            guard Double(base - offset) < change else { return nil }
            let date = UTCTime.civilDate(days: day)
            let (year, month, dom) = (Int(date.year), Int(date.month), Int(date.day))
            let weekday = Int(((day % 7) + 11) % 7) // 1970-01-01 was a Thursday; 0 = Sunday
            if years?.contains(year) ?? true, months.contains(month), dayMatches(dom: dom, dow: weekday) {
                for hour in sortedHours where base + Int64(hour * 3600 + 3599) >= earliest {
                    for minute in sortedMinutes where base + Int64(hour * 3600 + minute * 60 + 59) >= earliest {
                        for second in sortedSeconds {
                            let candidate = base + Int64(hour * 3600 + minute * 60 + second)
                            guard candidate >= earliest else { continue }
                            let firing = Double(candidate - offset)
                            return firing < change ? firing : nil
                        }
                    }
                }
            }
            day += 1
        }
        return nil
    }

    /// `next(after:in:)` through the calendar: right across daylight-saving changes (a local
    /// time that does not exist that day is skipped).
    func nextByCalendar(after time: Double, in timeZone: TimeZone) -> Double? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = Date(timeIntervalSince1970: time)
        let now = calendar.dateComponents([.hour, .minute, .second], from: start)
        let (nowHour, nowMinute, nowSecond) = (now.hour ?? 0, now.minute ?? 0, now.second ?? 0)
        var day = calendar.startOfDay(for: start)
        for dayIndex in 0..<(5 * 366) {
            // On the first day, times before `time` are skipped without building dates.
            let first = dayIndex == 0
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if let year = parts.year, let month = parts.month, let dom = parts.day, let weekday = parts.weekday,
                years?.contains(year) ?? true, months.contains(month), dayMatches(dom: dom, dow: weekday - 1)
            {
                for hour in sortedHours where !(first && hour < nowHour) {
                    for minute in sortedMinutes where !(first && hour == nowHour && minute < nowMinute) {
                        for second in sortedSeconds where !(first && hour == nowHour && minute == nowMinute && second < nowSecond)
                        {
                            var components = DateComponents(
                                year: year, month: month, day: dom, hour: hour, minute: minute, second: second)
                            components.timeZone = timeZone
                            guard let date = calendar.date(from: components),
                                calendar.component(.hour, from: date) == hour
                            else { continue }
                            if date.timeIntervalSince1970 > time { return date.timeIntervalSince1970 }
                        }
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }

    private func dayMatches(dom: Int, dow: Int) -> Bool {
        if domRestricted && dowRestricted { return daysOfMonth.contains(dom) || daysOfWeek.contains(dow) }
        return daysOfMonth.contains(dom) && daysOfWeek.contains(dow)
    }
}
