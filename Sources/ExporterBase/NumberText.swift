import Foundation

/// A value for people (`/sla`, `sla status`): whole numbers without a fraction, others to
/// four significant digits; nothing for NaN or infinity.
public enum NumberText {
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4g", value)
    }
}
