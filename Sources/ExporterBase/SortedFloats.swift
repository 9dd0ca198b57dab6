/// Floats kept in ascending order, for a percentile over a window that slides a little at a
/// time: a value comes or goes with a binary search and a move of the values after it, where
/// selecting afresh reads the whole window at every instant (a replay of a 30-day p50 asks
/// thousands of times per flow).
public struct SortedFloats: Sendable {
    public private(set) var values: [Float]

    public init(_ values: [Float] = []) { self.values = values.sorted() }

    public var count: Int { values.count }

    public mutating func insert(_ value: Float) { values.insert(value, at: firstIndex(atOrAfter: value)) }

    /// Removes one value equal to `value`, if there is one.
    public mutating func remove(_ value: Float) {
        let index = firstIndex(atOrAfter: value)
        if index < values.count, values[index] == value { values.remove(at: index) }
    }

    /// The nearest-rank quantile (the same as `NearestRank.nearestRank` over these values).
    public func nearestRank(p: Double) -> Float? {
        values.isEmpty ? nil : values[NearestRank.position(p: p, count: values.count)]
    }

    private func firstIndex(atOrAfter value: Float) -> Int {
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
