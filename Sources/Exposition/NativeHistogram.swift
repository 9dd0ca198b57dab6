import Foundation

/// A native (sparse, exponential) histogram as Prometheus defines it: at schema `s` bucket
/// `i` holds the values in (2^((i−1)/2^s), 2^(i/2^s)]; values at or below the zero threshold
/// are in the zero bucket. Only the buckets that hold something are kept. Pure.
public struct NativeHistogram: Sendable, Equatable {
    /// −4 (factor 65536 between bucket bounds) to 8 (factor 1.0027).
    public static let schemas = -4...8
    /// Bucket bounds 2^(1/8) ≈ 1.09 apart, client_golang's suggestion for a bucket factor of 1.1.
    public static let defaultSchema = 3
    /// client_golang's default: 2^−128. Values of zero land below it.
    public static let zeroThreshold = 2.938735877055719e-39

    public var schema: Int
    public var zeroCount: UInt64 = 0
    /// Bucket index → count, for the positive buckets that hold something.
    public var counts: [Int: UInt64] = [:]

    public init(schema: Int) {
        self.schema = schema
    }

    /// The bucket of a positive `value` above the zero threshold, exactly as client_golang
    /// computes it (from the binary exponent, so bounds fall where Prometheus expects them).
    public static func index(of value: Double, schema: Int) -> Int {
        let fraction = value.significand / 2 // value = fraction × 2^exponent, fraction in [0.5, 1)
        let exponent = Int(value.exponent) + 1
        if schema > 0 {
            let bounds = Self.boundsBySchema[schema]
            // The first bound ≥ fraction.
            var low = 0
            var high = bounds.count
            while low < high {
                let middle = (low + high) / 2
                if bounds[middle] >= fraction { high = middle } else { low = middle + 1 }
            }
            return low + (exponent - 1) * bounds.count
        }
        var key = exponent
        if fraction == 0.5 { key -= 1 }
        let offset = (1 << -schema) - 1
        return (key + offset) >> -schema
    }

    /// `bounds(schema)` for schemas 0 to 8, computed once (every ingested run looks one up).
    private static let boundsBySchema = (0...schemas.upperBound).map(bounds)

    /// 2^(i/2^schema) / 2 for i in 0..<2^schema: the fractions at which buckets of one
    /// doubling end.
    static func bounds(_ schema: Int) -> [Double] {
        let count = 1 << schema
        return (0..<count).map { index in
            index == 0 ? 0.5 : pow(2, Double(index) / Double(count)) / 2
        }
    }

    /// The upper bound of bucket `index`.
    public static func upperBound(_ index: Int, schema: Int) -> Double {
        pow(2, Double(index) / pow(2, Double(schema)))
    }

    /// The schema client_golang picks for a bucket factor: the coarsest whose neighbouring
    /// bounds differ by at most `factor` (1.1 → 3).
    public static func schema(forFactor factor: Double) -> Int {
        guard factor > 1 else { return schemas.upperBound }
        var schema = schemas.lowerBound
        while schema < schemas.upperBound, pow(2, pow(2, Double(-schema))) > factor { schema += 1 }
        return schema
    }

    /// The bucket of `value`; nil for the zero bucket (at or below the zero threshold).
    public static func bucket(of value: Double, schema: Int) -> Int? {
        value <= zeroThreshold ? nil : index(of: value, schema: schema)
    }

    public mutating func observe(_ value: Double, count: UInt64 = 1) {
        if let bucket = Self.bucket(of: value, schema: schema) {
            counts[bucket, default: 0] += count
        } else {
            zeroCount += count
        }
    }

    /// The populated buckets as Prometheus encodes them: spans of consecutive indices (the
    /// first offset from 0, the others from the end of the one before) and each bucket's
    /// count as the difference from the bucket before it.
    public var spansAndDeltas: (spans: [(offset: Int32, length: UInt32)], deltas: [Int64]) {
        var spans: [(offset: Int32, length: UInt32)] = []
        var deltas: [Int64] = []
        var previousIndex: Int?
        var previousCount: Int64 = 0
        for index in counts.keys.sorted() {
            let count = Int64(clamping: counts[index]!)
            if let last = previousIndex, index == last + 1 {
                spans[spans.count - 1].length += 1
            } else {
                spans.append((Int32(clamping: index - (previousIndex.map { $0 + 1 } ?? 0)), 1))
            }
            deltas.append(count &- previousCount)
            previousCount = count
            previousIndex = index
        }
        return (spans, deltas)
    }

    public var totalCount: UInt64 { counts.values.reduce(zeroCount, +) }
}
