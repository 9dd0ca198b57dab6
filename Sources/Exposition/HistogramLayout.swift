/// Bucket upper bounds of a histogram and their `le` label pairs, rendered once.
public struct HistogramLayout: Sendable {
    /// Finite upper bounds, ascending; `+Inf` is implied after them.
    public let upperBounds: [Double]
    /// One pre-rendered `le="…"` pair per bound, then `le="+Inf"`.
    public let leLabels: [LabelSet]

    /// `upperBounds` must be finite and strictly ascending.
    public init(upperBounds: [Double]) {
        precondition(zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must ascend")
        self.upperBounds = upperBounds
        leLabels = upperBounds.map { LabelSet([("le", NumberFormatting.canonical($0))]) } + [LabelSet([("le", "+Inf")])]
    }

    /// The index of the bucket a value falls in (the first bound ≥ value; `upperBounds.count`
    /// for `+Inf`).
    public func bucketIndex(of value: Double) -> Int {
        var low = 0
        var high = upperBounds.count
        while low < high {
            let middle = (low + high) / 2
            if upperBounds[middle] >= value { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
