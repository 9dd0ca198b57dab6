/// RFC 3339 timestamps in UTC (`2026-11-29T07:52:35Z`) by arithmetic: Foundation's
/// ISO8601DateFormatter builds an ICU formatter per instance, far too slow for thousands of
/// SLA results per evaluation.
package enum UTCTime {
    /// The day (since 1970-01-01) a second since 1970 falls on, before 1970 too.
    package static func day(containing second: Int64) -> Int64 {
        second >= 0 ? second / 86400 : (second - 86399) / 86400
    }

    /// The proleptic Gregorian date `days` days after 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`).
    package static func civilDate(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    package static func format(_ seconds: Double) -> String {
        let whole = Int64(seconds.rounded(.down))
        let days = day(containing: whole)
        let secondOfDay = whole - days * 86400
        let (year, month, day) = civilDate(days: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText =
            year >= 0 && year < 10000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return
            "\(yearText)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))Z"
    }
}
