/// A series is stored as the changes of its value. Its value at a poll of its group is the
/// latest change at or before that poll; a change to nil means the series ended (its flow
/// was deleted), and polls of the group while it is ended do not count.
///
/// These functions turn changes back into per-bucket statistics, exactly as if every poll's
/// value had been stored: counts and sums are per poll, and a counter's increase is taken
/// from one poll to the next.
public enum HeldValues {
    /// Statistics of one bucket, or a bucket that only carries a change.
    public struct Entry: Sendable, Equatable {
        public var start: Int64
        /// Nil when the series was live at none of the bucket's polls.
        public var values: RollupBucket?
        /// Whether a stored row (a change, or a finer bucket) fell in the bucket.
        public var stored: Bool
        /// The value held at the end of the bucket; nil when the series has ended.
        public var held: Double?
    }

    /// Buckets of `width` from the values held at each poll. `changes` and `polls` ascend;
    /// `held` is the value before the first of them. Returns every bucket with a live poll
    /// or a change, and the value held after the last.
    public static func fromPolls(
        _ polls: ArraySlice<Int64>, changes: [(timestamp: Int64, value: Double?)], held: Double?,
        kind: SeriesKind, width: Int64
    ) -> (entries: [Entry], held: Double?) {
        consolidate(polls, changes: changes, held: held, kind: kind, width: width)
    }

    /// Only the buckets holding a change, which is what a rollup stores: the polls of other
    /// buckets are not visited, so the cost follows the changes, not the polls.
    public static func changedBuckets(
        _ polls: [Int64], changes: [(timestamp: Int64, value: Double?)], held: Double?,
        kind: SeriesKind, width: Int64
    ) -> [Entry] {
        var entries: [Entry] = []
        var held = held
        var index = 0
        while index < changes.count {
            let bucket = BucketConsolidator.floor(changes[index].timestamp, width)
            var end = index
            while end < changes.count, changes[end].timestamp < bucket + width { end += 1 }
            let first = lowerBound(polls, bucket)
            let last = lowerBound(polls, bucket + width)
            // Between changes the value holds, so at the bucket's start it is `held`.
            let (bucketEntries, after) = consolidate(
                polls[first..<last], changes: Array(changes[index..<end]), held: held,
                kind: kind, width: width)
            entries.append(contentsOf: bucketEntries)
            held = after
            index = end
        }
        return entries
    }

    private static func lowerBound(_ values: [Int64], _ target: Int64) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private static func consolidate(
        _ polls: ArraySlice<Int64>, changes: [(timestamp: Int64, value: Double?)], held: Double?,
        kind: SeriesKind, width: Int64
    ) -> (entries: [Entry], held: Double?) {
        var entries: [Entry] = []
        var held = held
        var previous = held
        var change = 0
        func entry(for start: Int64) -> Int {
            if let last = entries.indices.last, entries[last].start == start { return last }
            entries.append(Entry(start: start, values: nil, stored: false, held: held))
            return entries.count - 1
        }
        var pollIndex = polls.startIndex
        while pollIndex < polls.endIndex || change < changes.count {
            // Changes at or before the next poll take effect first.
            if change < changes.count, pollIndex == polls.endIndex || changes[change].timestamp <= polls[pollIndex] {
                held = changes[change].value
                let index = entry(for: BucketConsolidator.floor(changes[change].timestamp, width))
                entries[index].stored = true
                entries[index].held = held
                change += 1
                continue
            }
            let poll = polls[pollIndex]
            pollIndex += 1
            guard let value = held else {
                previous = nil
                continue
            }
            let index = entry(for: BucketConsolidator.floor(poll, width))
            if entries[index].values == nil {
                entries[index].values = RollupBucket(value: value, previous: previous, kind: kind)
            } else {
                entries[index].values!.add(value, previous: previous)
            }
            entries[index].held = held
            previous = value
        }
        return (entries, held)
    }

    /// Polls per finer bucket of a span, only the buckets that were polled, ascending: the
    /// memory follows what is stored, never the span asked for (a query from year 1 must not
    /// allocate a slot per five minutes since then).
    public struct PollCounts: Sendable {
        let buckets: [Int64]
        let counts: [Int64]

        public init(_ counts: [Int64: Int64], from: Int64, to: Int64) {
            let kept = counts.filter { $0.key >= from && $0.key < to }.sorted { $0.key < $1.key }
            buckets = kept.map(\.key)
            self.counts = kept.map(\.value)
        }

        /// The position of the first bucket at or after `bucket`.
        func firstIndex(atOrAfter bucket: Int64) -> Int { HeldValues.lowerBound(buckets, bucket) }
    }

    /// Coarser buckets from finer ones. `rows` are the stored finer buckets (ascending); a
    /// finer bucket without a row repeats the held value at each of its polls, which
    /// `pollCounts` gives per finer bucket start. Only finer buckets with a row or a poll
    /// are visited (the others contribute nothing), so the cost follows what is stored.
    /// Returns every coarse bucket with data or a stored row, and the value held after `to`.
    public static func fromBuckets(
        _ rows: [Entry], pollCounts: PollCounts, from: Int64, to: Int64,
        held: Double?, kind: SeriesKind, width: Int64
    ) -> (entries: [Entry], held: Double?) {
        var entries: [Entry] = []
        var held = held
        var row = rows.startIndex
        while row < rows.endIndex, rows[row].start < from { row += 1 }
        var poll = pollCounts.firstIndex(atOrAfter: from)
        while true {
            let nextRow = row < rows.endIndex ? rows[row].start : Int64.max
            let nextPoll = poll < pollCounts.buckets.count ? pollCounts.buckets[poll] : Int64.max
            let fine = min(nextRow, nextPoll)
            guard fine < to else { break }
            let polls = nextPoll == fine ? pollCounts.counts[poll] : 0
            if nextPoll == fine { poll += 1 }
            let start = BucketConsolidator.floor(fine, width)
            var contribution: RollupBucket?
            var stored = false
            if nextRow == fine {
                contribution = rows[row].values
                held = rows[row].held
                stored = true
                row += 1
            } else if let value = held, polls > 0 {
                contribution = RollupBucket(
                    count: polls, sum: value * Double(polls), min: value, max: value, last: value,
                    increase: kind == .counter ? 0 : nil)
            }
            if contribution != nil || stored {
                if entries.last?.start != start { entries.append(Entry(start: start, values: nil, stored: false, held: held)) }
                let index = entries.count - 1
                if let contribution {
                    if entries[index].values == nil {
                        entries[index].values = contribution
                    } else {
                        entries[index].values!.merge(contribution)
                    }
                }
                entries[index].stored = entries[index].stored || stored
                entries[index].held = held
            }
        }
        return (entries, held)
    }
}
