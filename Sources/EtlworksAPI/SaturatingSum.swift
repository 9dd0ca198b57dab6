extension Int64 {
    /// `self + other`, held at `Int64.max` (or `.min`) instead of trapping: totals of absurd
    /// values from the API (a `records` near 2^63, stored before decoding capped it) must not
    /// crash the daemon at every start.
    package func addingSaturated(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}

extension UInt64 {
    /// `self + other`, held at `UInt64.max` instead of trapping (counts read from a file that
    /// may be corrupt).
    package func addingSaturated(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
