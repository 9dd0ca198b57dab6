/// The consolidated values of one series over one bucket: count, sum, min, max and last,
/// and for counters the increase, reset-aware so rates stay right when the source restarts.
public struct RollupBucket: Sendable, Equatable {
    public var count: Int64
    public var sum: Double
    public var min: Double
    public var max: Double
    public var last: Double
    /// Counters only: the rise over the bucket, counting from the last value before it.
    public var increase: Double?

    public init(count: Int64, sum: Double, min: Double, max: Double, last: Double, increase: Double?) {
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.last = last
        self.increase = increase
    }

    /// A bucket holding one sample. `previous` is the value before it (any bucket), for
    /// counters; without one, the sample only sets the baseline.
    public init(value: Double, previous: Double?, kind: SeriesKind) {
        self.init(
            count: 1, sum: value, min: value, max: value, last: value,
            increase: kind == .counter ? Self.counterIncrease(from: previous, to: value) : nil)
    }

    /// Adds the next sample in time order; `previous` is the sample before it.
    public mutating func add(_ value: Double, previous: Double?) {
        count += 1
        sum += value
        min = Swift.min(min, value)
        max = Swift.max(max, value)
        last = value
        if let increase { self.increase = increase + Self.counterIncrease(from: previous, to: value) }
    }

    /// Folds in the next (later) bucket of the same series.
    public mutating func merge(_ later: RollupBucket) {
        count += later.count
        sum += later.sum
        min = Swift.min(min, later.min)
        max = Swift.max(max, later.max)
        last = later.last
        if let increase { self.increase = increase + (later.increase ?? 0) }
    }

    public var average: Double { count > 0 ? sum / Double(count) : 0 }

    /// The rise from `previous` to `value`. A drop means the source reset and started again
    /// from zero, so everything it counted since is the new value (as Prometheus' rate()).
    public static func counterIncrease(from previous: Double?, to value: Double) -> Double {
        guard let previous else { return 0 }
        return value >= previous ? value - previous : value
    }
}

/// Consolidation of time-ordered samples or buckets into buckets of a fixed width: the
/// pure core of both the background rollup and queries at a step.
public struct BucketConsolidator {
    public let width: Int64
    public let kind: SeriesKind
    private(set) var buckets: [(start: Int64, bucket: RollupBucket)] = []
    private var previous: Double?

    /// `previous` is the series' last value before the first sample to come.
    public init(width: Int64, kind: SeriesKind, previous: Double? = nil) {
        self.width = width
        self.kind = kind
        self.previous = previous
    }

    /// Sets the value before the first sample to come (a counter's baseline).
    public mutating func setPrevious(_ value: Double?) { previous = value }

    /// Adds the next sample (timestamps ascending).
    public mutating func add(timestamp: Int64, value: Double) {
        let start = Self.floor(timestamp, width)
        if let index = buckets.indices.last, buckets[index].start == start {
            buckets[index].bucket.add(value, previous: previous)
        } else {
            buckets.append((start, RollupBucket(value: value, previous: previous, kind: kind)))
        }
        previous = value
    }

    /// Adds the next finer bucket (starts ascending).
    public mutating func add(start timestamp: Int64, bucket: RollupBucket) {
        let start = Self.floor(timestamp, width)
        if let index = buckets.indices.last, buckets[index].start == start {
            buckets[index].bucket.merge(bucket)
        } else {
            var copy = bucket
            if kind == .gauge { copy.increase = nil } else if copy.increase == nil { copy.increase = 0 }
            buckets.append((start, copy))
        }
        previous = bucket.last
    }

    /// The buckets so far, oldest first, and forgets them.
    public mutating func drain() -> [(start: Int64, bucket: RollupBucket)] {
        defer { buckets.removeAll(keepingCapacity: true) }
        return buckets
    }

    /// How many windows of `step` seconds, aligned to multiples of `step`, cover [from, to).
    public static func windowCount(from: Int64, to: Int64, step: Int64) -> Int64 {
        (to - floor(from, step) + step - 1) / step
    }

    /// Floor division that rounds toward minus infinity, so that buckets before 1970 align too.
    public static func floor(_ value: Int64, _ width: Int64) -> Int64 {
        guard width > 0 else { return value }
        let quotient = value / width
        return (value % width != 0 && value < 0 ? quotient - 1 : quotient) * width
    }
}
