import Store

/// The answer a history query must give, computed the slow and obvious way: the value of a
/// series at each poll (its latest change at or before it), consolidated into windows as if
/// every poll had been stored. Independent of the store's rollups and reader.
package enum EveryPollOracle {
    package static func windows(
        polls: [Int64], changes: [(Int64, Double?)], kind: SeriesKind, width: Int64,
        from: Int64, to: Int64
    ) -> [SeriesPoint] {
        var consolidator = BucketConsolidator(width: width, kind: kind)
        var held: Double?
        var next = 0
        for poll in polls where poll < to {
            while next < changes.count, changes[next].0 <= poll {
                held = changes[next].1
                next += 1
            }
            guard let value = held else {
                consolidator.setPrevious(nil)
                continue
            }
            if poll >= from { consolidator.add(timestamp: poll, value: value) } else { consolidator.setPrevious(value) }
        }
        return consolidator.drain().map { SeriesPoint(timestamp: $0.start, values: $0.bucket) }
    }

    /// Whether two answers agree, sums compared to a relative 1e-9.
    package static func same(_ lhs: [SeriesPoint], _ rhs: [SeriesPoint]) -> Bool {
        lhs.count == rhs.count
            && zip(lhs, rhs).allSatisfy { a, b in
                let x = a.values, y = b.values
                func close(_ p: Double?, _ q: Double?) -> Bool {
                    guard let p, let q else { return p == nil && q == nil }
                    return abs(p - q) <= 1e-9 * max(1, abs(p), abs(q))
                }
                return a.timestamp == b.timestamp && x.count == y.count && x.min == y.min && x.max == y.max && x.last == y.last
                    && close(x.sum, y.sum) && close(x.increase, y.increase)
            }
    }
}
