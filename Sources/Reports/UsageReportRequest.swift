import Foundation

/// The output formats of the usage report.
public enum UsageReportFormat: String, Sendable, CaseIterable {
    case json, csv, markdown, html

    public var contentType: String {
        switch self {
        case .json: return "application/json"
        case .csv: return "text/csv; charset=utf-8; header=present"
        case .markdown: return "text/markdown; charset=utf-8"
        case .html: return "text/html; charset=utf-8"
        }
    }
}

/// The tables a CSV report can hold, one per file.
public enum UsageReportTable: String, Sendable, CaseIterable {
    case tenant, tenants, flows, daily, sla, agents
}

/// What a report was asked for: the month, the zone its days are cut in, the format.
public struct UsageReportRequest: Sendable, Equatable {
    public var month: ReportMonth
    public var format: UsageReportFormat
    public var table: UsageReportTable

    /// A parameter that cannot be used, named as the caller gave it.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var parameter: String
        public var message: String
        public var description: String { "\(parameter): \(message)" }
    }

    /// Validates the parameters; the month defaults to the previous calendar month in the
    /// zone (default UTC) at `now`.
    public static func parse(
        month: String?, timeZone: String?, format: String?, table: String?,
        now: Date
    ) throws(Problem) -> UsageReportRequest {
        var zone = TimeZone(identifier: "UTC")!
        var zoneName = "UTC"
        if let timeZone, !timeZone.isEmpty {
            zoneName = timeZone
            guard let parsed = TimeZone(identifier: timeZone) else {
                throw Problem(
                    parameter: "tz", message: "unknown time zone '\(timeZone)' (use an IANA name such as Europe/Berlin)")
            }
            zone = parsed
        }
        let chosenFormat = try choice(format, parameter: "format", default: UsageReportFormat.json)
        let chosenTable = try choice(table, parameter: "table", default: UsageReportTable.tenant)
        let chosenMonth: ReportMonth
        if let month, !month.isEmpty {
            guard let parsed = ReportMonth.parse(month, timeZone: zone, zoneName: zoneName) else {
                throw Problem(parameter: "month", message: "'\(month)' is not a month: expected YYYY-MM, e.g. 2026-11")
            }
            chosenMonth = parsed
        } else {
            chosenMonth = ReportMonth.previous(to: now, in: zone, zoneName: zoneName)
        }
        return UsageReportRequest(month: chosenMonth, format: chosenFormat, table: chosenTable)
    }

    /// One of `T`'s names (any case), `fallback` when absent.
    private static func choice<T: CaseIterable & RawRepresentable>(
        _ text: String?, parameter: String,
        default fallback: T
    ) throws(Problem) -> T where T.RawValue == String {
        guard let text, !text.isEmpty else { return fallback }
        guard let parsed = T(rawValue: text.lowercased()) else {
            let names = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw Problem(parameter: parameter, message: "unknown \(parameter) '\(text)' (one of \(names))")
        }
        return parsed
    }
}
