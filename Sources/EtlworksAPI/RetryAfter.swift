import Foundation

/// Parses a `Retry-After` header: delta-seconds or an HTTP date.
public enum RetryAfter {
    /// Seconds to wait from `now`, or nil when the header is absent or unreadable.
    /// Negative waits (a date in the past) become 0.
    public static func seconds(_ header: String?, now: Date = Date()) -> Double? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header), seconds.isFinite { return max(0, seconds) }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: header) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }
}
