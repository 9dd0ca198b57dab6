import Foundation

/// Parses the durations config files use: `500ms`, `2s`, `5m`, `1h`, `7d`, `1w`, `5y` (365 days a year, as Prometheus), and sums
/// such as `1h30m`. A bare number is seconds.
public enum DurationText {
    /// Seconds, or nil when the text is not a duration.
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if let plain = Double(trimmed) { return plain.isFinite && plain >= 0 ? plain : nil }
        var total = 0.0
        var number = ""
        var unit = ""
        func flush() -> Bool {
            guard let value = Double(number), value >= 0, let scale = units[unit] else { return false }
            total += value * scale
            number = ""
            unit = ""
            return true
        }
        for character in trimmed {
            if character.isNumber || character == "." {
                if !unit.isEmpty, !flush() { return nil }
                number.append(character)
            } else if character.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard !number.isEmpty, !unit.isEmpty, flush() else { return nil }
        return total.isFinite ? total : nil
    }

    /// A measured span for people (SLA details, `/sla`): whole seconds in the shortest unit
    /// that divides them, or milliseconds below a second.
    public static func measured(_ seconds: Double) -> String {
        seconds >= 1 ? format(seconds.rounded()) : String(format: "%.3fs", seconds)
    }

    /// Renders seconds back in the shortest unit that divides them, for messages and reports.
    public static func format(_ seconds: Double) -> String {
        for (unit, scale) in [("d", 86400.0), ("h", 3600.0), ("m", 60.0), ("s", 1.0)] where seconds >= scale {
            if seconds.truncatingRemainder(dividingBy: scale) == 0 { return "\(Int(seconds / scale))\(unit)" }
        }
        if seconds < 1, (seconds * 1000).rounded() == seconds * 1000 { return "\(Int(seconds * 1000))ms" }
        return "\(seconds)s"
    }

    private static let units: [String: Double] = [
        "ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800, "y": 31_536_000
    ]
}
