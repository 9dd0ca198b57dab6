/// Exact nearest-rank percentiles by selection (no full sort): shared by SLA conditions and
/// the usage report, so both quote the same p50/p95 for the same runs.
public enum NearestRank {
    /// The nearest-rank quantile: the smallest value with at least `p` of the values at or below it.
    public static func nearestRank(_ values: inout [Float], p: Double) -> Float {
        select(&values, position(p: p, count: values.count))
    }

    /// Where the nearest-rank quantile sits among `count` sorted values (count > 0).
    public static func position(p: Double, count: Int) -> Int {
        min(count, max(1, Int((p * Double(count)).rounded(.up)))) - 1
    }

    /// The value that would be at `k` if `values` were sorted (quickselect, expected linear
    /// time; `values` is reordered).
    public static func select(_ values: inout [Float], _ k: Int) -> Float {
        var low = 0, high = values.count - 1
        while low < high {
            let middle = low + (high - low) / 2
            // Median of three as the pivot keeps sorted windows (the usual case) linear.
            if values[middle] < values[low] { values.swapAt(middle, low) }
            if values[high] < values[low] { values.swapAt(high, low) }
            if values[high] < values[middle] { values.swapAt(high, middle) }
            let pivot = values[middle]
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { high = j } else if k >= i { low = i } else { return values[k] }
        }
        return values[k]
    }
}
