import Foundation

/// Sizes in bytes as a configuration writes them: `268435456`, `256MiB`, `1 GiB`, `500MB`
/// (K, M, G are powers of 1000; Ki, Mi, Gi of 1024; a trailing `B` is optional).
public enum ByteSize {
    public static func bytes(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        var unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        if unit.hasSuffix("b") { unit.removeLast() }
        let multipliers: [String: Int64] = [
            "": 1, "k": 1000, "m": 1_000_000, "g": 1_000_000_000, "ki": 1 << 10, "mi": 1 << 20, "gi": 1 << 30
        ]
        guard let multiplier = multipliers[unit] else { return nil }
        let (value, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : value
    }
}
