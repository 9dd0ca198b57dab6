public enum SLASeverity: String, Sendable, CaseIterable, Comparable {
    case critical, warning, info

    var rank: Int { self == .critical ? 2 : self == .warning ? 1 : 0 }
    public static func < (lhs: SLASeverity, rhs: SLASeverity) -> Bool { lhs.rank < rhs.rank }
}
