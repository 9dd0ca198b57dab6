/// The multi-window, multi-burn-rate alert of the SRE workbook: a pair breaches when both its
/// long and short window burn faster than `factor`.
public enum SLOBurnWindows {
    public struct Pair: Sendable {
        public var long: Double
        public var short: Double
        public var factor: Double
    }

    public static let pairs: [Pair] = [
        Pair(long: 3600, short: 300, factor: 14.4),
        Pair(long: 6 * 3600, short: 1800, factor: 6),
        Pair(long: 86400, short: 2 * 3600, factor: 3),
        Pair(long: 3 * 86400, short: 6 * 3600, factor: 1)
    ]

    /// Every window exported as `etlworks_sla_burn_rate{window}`, shortest first.
    public static let windows: [(label: String, seconds: Double)] = [
        ("5m", 300), ("30m", 1800), ("1h", 3600), ("2h", 7200), ("6h", 21600), ("1d", 86400), ("3d", 259_200)
    ]

    /// The windows' lengths, in the same order.
    static let seconds = windows.map(\.seconds)

    /// Each pair's windows, as positions in `seconds`.
    static let pairPositions: [(long: Int, short: Int)] = pairs.map { pair in
        (seconds.firstIndex(of: pair.long) ?? 0, seconds.firstIndex(of: pair.short) ?? 0)
    }

    static let longest: Double = 3 * 86400

    /// The workbook's factors are for a 30-day objective: a pair fires when its long window
    /// spends a set share of the budget (2% in 1 h, 5% in 6 h, 10% in 1 d and in 3 d).
    static let factorWindow: Double = 30 * 86400

    /// The pair's factor for an objective over `window`: the same share of that window's
    /// budget (14.4 over 1 h for 30 days is 3.36 for 7 days).
    public static func factor(_ pair: Pair, window: Double) -> Double { pair.factor * window / factorWindow }

    /// Whether the pair judges an objective over `window`: its long window fits in it.
    public static func judges(_ pair: Pair, window: Double) -> Bool { pair.long <= window }
}
