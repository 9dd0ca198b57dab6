import EtlworksAPI
import Foundation

/// A calendar month in a time zone, cut into its local days. Pure.
public struct ReportMonth: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var timeZone: TimeZone
    /// The zone as asked for (Foundation reports UTC as "GMT").
    public var zoneName: String
    /// Local midnights, epoch ms: the start of each day, then the end of the month (one
    /// more than the number of days). A midnight skipped by a DST change is the first
    /// instant of that day.
    public let dayStarts: [Int64]

    public init(year: Int, month: Int, timeZone: TimeZone, zoneName: String? = nil) {
        self.year = year
        self.month = month
        self.timeZone = timeZone
        self.zoneName = zoneName ?? (timeZone.identifier == "GMT" ? "UTC" : timeZone.identifier)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let first = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
        let days = calendar.range(of: .day, in: .month, for: first)?.count ?? 30
        var starts: [Int64] = []
        for day in 1...days {
            starts.append(EpochMillis.from(calendar.date(from: DateComponents(year: year, month: month, day: day))!))
        }
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        starts.append(EpochMillis.from(calendar.date(from: DateComponents(year: next.0, month: next.1, day: 1))!))
        dayStarts = starts
    }

    public var start: Int64 { dayStarts[0] }
    public var end: Int64 { dayStarts[dayStarts.count - 1] }
    public var dayCount: Int { dayStarts.count - 1 }
    /// `2026-11`.
    public var label: String { String(format: "%04d-%02d", year, month) }

    /// `2026-11-05` for day index 4.
    public func date(ofDay index: Int) -> String { String(format: "%04d-%02d-%02d", year, month, index + 1) }

    /// The index of the local day holding `ms`, nil outside the month.
    public func day(of ms: Int64) -> Int? {
        guard ms >= start, ms < end else { return nil }
        // Binary search over at most 32 boundaries.
        var low = 0, high = dayStarts.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if dayStarts[middle] <= ms { low = middle } else { high = middle }
        }
        return low
    }

    /// The month before the one holding `now` in `timeZone`.
    public static func previous(to now: Date, in timeZone: TimeZone, zoneName: String? = nil) -> ReportMonth {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month], from: now)
        let (year, month) = (parts.year ?? 1970, parts.month ?? 1)
        return month == 1
            ? ReportMonth(year: year - 1, month: 12, timeZone: timeZone, zoneName: zoneName)
            : ReportMonth(year: year, month: month - 1, timeZone: timeZone, zoneName: zoneName)
    }

    /// Parses `YYYY-MM` (years 1970–9999); nil for anything else.
    public static func parse(_ text: String, timeZone: TimeZone, zoneName: String? = nil) -> ReportMonth? {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
            bytes.enumerated().allSatisfy({ $0.offset == 4 || ($0.element >= 48 && $0.element <= 57) }),
            let year = Int(text.prefix(4)), let month = Int(text.suffix(2)),
            (1970...9999).contains(year), (1...12).contains(month)
        else { return nil }
        return ReportMonth(year: year, month: month, timeZone: timeZone, zoneName: zoneName)
    }

}
