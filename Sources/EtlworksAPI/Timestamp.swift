import Foundation

/// Decodes the API's timestamps into epoch milliseconds.
///
/// The contract says epoch milliseconds, but ISO-8601 strings and epoch seconds must be
/// accepted too. A number below 10^11 is read as seconds: as milliseconds it would be a date
/// in 1973, as seconds it would be one after the year 5000.
public enum Timestamp {
    /// Epoch milliseconds from a JSON number, numeric string or ISO-8601 string; nil otherwise.
    public static func epochMilliseconds(_ json: JSONValue?) -> Int64? {
        guard let json else { return nil }
        switch json {
        case .integer, .double:
            return fromNumber(json.double)
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let number = Double(trimmed) { return fromNumber(number) }
            return fromISO8601(trimmed)
        default:
            return nil
        }
    }

    private static func fromNumber(_ value: Double?) -> Int64? {
        guard let value, value.isFinite, value > 0, value < 1e15 else { return nil }
        return value < 1e11 ? EpochMillis.from(seconds: value) : Int64(value.rounded())
    }

    private static func fromISO8601(_ text: String) -> Int64? {
        guard !text.isEmpty else { return nil }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        for formatter in [plain, withFraction] {
            if let date = formatter.date(from: text) { return EpochMillis.from(date) }
        }
        // A timestamp without a zone ("2026-11-29T10:00:00") is read as UTC.
        if !text.hasSuffix("Z"), let date = plain.date(from: text + "Z") ?? withFraction.date(from: text + "Z") {
            return EpochMillis.from(date)
        }
        return nil
    }
}
