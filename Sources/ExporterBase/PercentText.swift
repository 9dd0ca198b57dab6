import Foundation

/// Ratios as people read them: `98.25%`, truncated so that 99.996% compliance reads 99.99%,
/// never 100%. One formatter, so that the `/sla` page, `sla status` and the usage report
/// print the same digits for the same ratio. Pure.
public enum PercentText {
    public static func format(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "" }
        return String(format: "%.2f%%", (ratio * 10_000).rounded(.towardZero) / 100)
    }
}
