import ExporterBase
import Foundation

/// Numbers as people read them in reports. Pure.
enum ReportNumber {
    /// `98.25%`, truncated (see `PercentText`).
    static func percent(_ ratio: Double) -> String { PercentText.format(ratio) }

    /// `950`, `12k`, `1.5M`, `2G`: axis labels.
    static func compact(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        for (divisor, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where abs(value) >= divisor {
            let scaled = value / divisor
            return (scaled == scaled.rounded() ? String(Int64(scaled)) : String(format: "%.1f", scaled)) + suffix
        }
        return value == value.rounded() ? String(Int64(value)) : String(format: "%.1f", value)
    }

    /// `1,234,567`; fractions rounded.
    static func count(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        let digits = String(Int64(value.rounded()).magnitude)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(character)
        }
        return (value.rounded() < 0 ? "-" : "") + grouped
    }

    static func count(_ value: Int64) -> String { count(Double(value)) }

    /// `2h 05m`, `3m 20s`, `12.4s`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "–" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int64(seconds.rounded())
        if whole < 3600 { return String(format: "%dm %02ds", whole / 60, whole % 60) }
        if whole < 86400 { return String(format: "%dh %02dm", whole / 3600, whole % 3600 / 60) }
        return String(format: "%dd %02dh", whole / 86400, whole % 86400 / 3600)
    }

    /// Plain decimal for CSV and JSON-like text: integers without a fraction.
    static func plain(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// `2026-11-05 14:03 UTC`.
    static func time(_ epochSeconds: Double?) -> String {
        guard let epochSeconds else { return "–" }
        let text = UTCTime.format(epochSeconds)
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// A billing period's bounds as a reader says them; the calendar month where the API gave none.
    static func period(_ period: BillingPeriod) -> String {
        guard let start = period.start, let end = period.end else { return "the calendar month (no period from the API)" }
        return "\(time(start)) – \(time(end))" + (period.complete ? "" : " (in progress)")
    }
}
