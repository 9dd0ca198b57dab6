import Foundation

/// Parses a `Retry-After` header: delta-seconds or an HTTP date.
public enum RetryAfter {
    /// Seconds to wait from `now`, at most `limit`, or nil when the header is absent or
    /// unreadable. Negative waits (a date in the past) become 0. The limit is not optional: a
    /// proxy answering `1e17` or a date in the next century must not stop polling (or trap a
    /// duration conversion).
    public static func seconds(_ header: String?, now: Date = Date(), limit: Double) -> Double? {
        unclamped(header, now: now).map { min(max(0, $0), limit) }
    }

    private static func unclamped(_ header: String?, now: Date) -> Double? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header) { return seconds.isNaN ? nil : seconds }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: header) { return date.timeIntervalSince(now) }
        }
        return nil
    }
}
