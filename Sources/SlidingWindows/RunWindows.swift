import EtlworksAPI
import Store

/// Each flow's recent completed runs, ordered by end time, kept in memory so that 20 rules
/// over 2,000 flows evaluate in milliseconds. Columns are compact (17 bytes a run with the
/// running error count); window queries binary-search the bounds and read prefix sums.
/// A window (from, to] is compared in whole milliseconds.
public struct RunWindows: Sendable {
    /// One flow's runs, sorted by `ends`.
    public struct Flow: Sendable {
        /// End times, epoch ms.
        var ends: [Int64] = []
        /// Run times in seconds; NaN when unknown.
        var durations: [Float] = []
        var statuses: [RunStatus] = []
        /// `errorsBefore[i]`: error runs among the first i (one longer than `ends`).
        var errorsBefore: [Int32] = [0]
        /// The latest time a completed run was started (or queued, without a start), epoch ms.
        public var latestStartMs: Int64?
        /// Changes with every insertion and pruning, so that results computed over an
        /// unchanged range can be reused.
        public private(set) var version = 0
        /// Changes when a held run's position changes (an insertion before the latest end, a
        /// pruning). Appending leaves positions as they were, so ranges read before stay valid.
        public private(set) var layout = 0

        public var count: Int { ends.count }

        public init() {}

        /// A flow with no completed runs.
        public static let empty = Flow()

        public mutating func insert(_ run: CompletedRun) {
            let end = run.endMs
            if let start = run.startMs { latestStartMs = max(latestStartMs ?? start, start) }
            version += 1
            let duration = run.durationMs.map { Float(EpochMillis.seconds($0)) } ?? .nan
            guard let latest = ends.last, latest > end else {
                // In end order (nearly always): appended, and one prefix sum added.
                ends.append(end)
                durations.append(duration)
                statuses.append(run.status)
                errorsBefore.append((errorsBefore.last ?? 0) + (run.status == .error ? 1 : 0))
                return
            }
            // Before the latest end: held runs move.
            let index = Self.firstIndex(ends, atOrAfter: end + 1)
            layout += 1
            ends.insert(end, at: index)
            durations.insert(duration, at: index)
            statuses.insert(run.status, at: index)
            // Prefix sums change from the insertion point on (rare: runs arrive nearly in order).
            errorsBefore.insert(0, at: index + 1)
            for position in (index + 1)..<errorsBefore.count {
                errorsBefore[position] = errorsBefore[position - 1] + (statuses[position - 1] == .error ? 1 : 0)
            }
        }

        mutating func compact() {
            ends = Array(ends[...])
            durations = Array(durations[...])
            statuses = Array(statuses[...])
            errorsBefore = Array(errorsBefore[...])
        }

        /// Whether a run ending at this instant (epoch ms) is held.
        public func contains(endMs: Int64) -> Bool {
            let index = Self.firstIndex(ends, atOrAfter: endMs)
            return index < ends.count && ends[index] == endMs
        }

        /// Drops runs that ended before `cutoff` (epoch ms), keeping at least the latest `keep`.
        mutating func prune(before cutoff: Int64, keep: Int) {
            let drop = min(Self.firstIndex(ends, atOrAfter: cutoff), max(0, ends.count - keep))
            guard drop > 0 else { return }
            version += 1
            layout += 1
            ends.removeFirst(drop)
            durations.removeFirst(drop)
            statuses.removeFirst(drop)
            let base = errorsBefore[drop]
            errorsBefore = errorsBefore[drop...].map { $0 - base }
        }

        /// Runs that ended in (from, to] (epoch ms): how many, and how many failed.
        public func counts(endedAfter from: Int64, upTo to: Int64) -> (runs: Int, errors: Int) {
            let lower = Self.firstIndex(ends, atOrAfter: from + 1)
            let upper = Self.firstIndex(ends, atOrAfter: to + 1)
            guard upper > lower else { return (0, 0) }
            return (upper - lower, Int(errorsBefore[upper] - errorsBefore[lower]))
        }

        /// `counts(endedAfter:upTo:)`, each bound searched outward from where `bounds` says it
        /// was (a window slides a little between a replay's instants); `bounds` becomes this
        /// window's. Exact whatever `bounds` holds.
        public func counts(endedAfter from: Int64, upTo to: Int64, near bounds: inout Range<Int>) -> (runs: Int, errors: Int) {
            let lower = Self.firstIndex(ends, atOrAfter: from + 1, near: bounds.lowerBound)
            let upper = max(lower, Self.firstIndex(ends, atOrAfter: to + 1, near: bounds.upperBound))
            bounds = lower..<upper
            return (upper - lower, Int(errorsBefore[upper] - errorsBefore[lower]))
        }

        /// Positions of the runs that ended in (from, to].
        public func range(endedAfter from: Int64, upTo to: Int64) -> Range<Int> {
            let lower = Self.firstIndex(ends, atOrAfter: from + 1)
            return lower..<max(lower, Self.firstIndex(ends, atOrAfter: to + 1))
        }

        /// Known run times of the runs at `range`, appended to `buffer`.
        public func durations(at range: Range<Int>, into buffer: inout [Float]) {
            for index in range where !durations[index].isNaN { buffer.append(durations[index]) }
        }

        /// Error runs at the end of the sequence (cancels and unknown endings are skipped).
        public func trailingErrors() -> Int {
            var streak = 0
            for status in statuses.reversed() {
                switch status {
                case .error: streak += 1
                case .canceled, .unknown: continue
                default: return streak
                }
            }
            return streak
        }

        /// The first index of ascending `values` whose value is at least `value` (count: none is).
        package static func firstIndex(_ values: [Int64], atOrAfter value: Int64) -> Int {
            binarySearch(values, atOrAfter: value, low: 0, high: values.count)
        }

        /// `firstIndex(atOrAfter:)`, galloping out from `hint`: a few reads when the answer is
        /// near it, never more than twice a plain binary search.
        static func firstIndex(_ values: [Int64], atOrAfter value: Int64, near hint: Int) -> Int {
            var hint = min(max(0, hint), values.count)
            // Between a replay's instants a bound mostly stays or moves by a run or two: a few
            // steps first, then the galloping search.
            for _ in 0..<4 {
                if hint < values.count, values[hint] < value {
                    hint += 1
                } else if hint > 0, values[hint - 1] >= value {
                    hint -= 1
                } else {
                    return hint
                }
            }
            var low: Int, high: Int
            var step = 1
            if hint < values.count, values[hint] < value {
                // After the hint: everything before `low` is smaller than `value`.
                low = hint + 1
                while low + step - 1 < values.count, values[low + step - 1] < value {
                    low += step
                    step *= 2
                }
                high = min(values.count, low + step - 1)
            } else {
                // At or before it: everything from `high` on is at least `value`.
                high = hint
                while high - step >= 0, values[high - step] >= value {
                    high -= step
                    step *= 2
                }
                low = max(0, high - step + 1)
            }
            return binarySearch(values, atOrAfter: value, low: low, high: high)
        }

        /// The first index in low...high whose value is at least `value` (high: none is).
        private static func binarySearch(_ values: [Int64], atOrAfter value: Int64, low: Int, high: Int) -> Int {
            var low = low, high = high
            while low < high {
                let middle = (low + high) / 2
                if values[middle] < value { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    public private(set) var flows: [Int64: Flow] = [:]
    /// How far back runs are kept, seconds.
    public var horizon: Double
    /// Runs kept per flow regardless of age (for streaks).
    public var keepLatest: Int

    public init(horizon: Double, keepLatest: Int) {
        self.horizon = horizon
        self.keepLatest = keepLatest
    }

    /// The longest run time per flow among runs added since `takeRecentLongest()`, so that
    /// `max_duration` judges every completed run, not only the latest.
    public private(set) var recentLongest: [Int64: Double] = [:]
    /// Runs that ended before this (epoch ms) are not judged by `recentLongest`: they ended
    /// before SLA evaluation began (a first backfill), so no breach is raised for them now.
    public var judgedFromMs: Int64 = .min

    public mutating func add(_ runs: [CompletedRun]) {
        // In end order, nearly every run is an append (a run inserted mid-window shifts the
        // prefix sums after it).
        let ordered = runs.count > 1 ? runs.sorted { $0.endMs < $1.endMs } : runs
        for run in ordered {
            flows[run.flowId, default: Flow()].insert(run)
            if run.endMs >= judgedFromMs, let duration = run.durationMs.map({ EpochMillis.seconds($0) }) {
                recentLongest[run.flowId] = max(recentLongest[run.flowId] ?? duration, duration)
            }
        }
    }

    /// Releases the spare capacity the arrays grew while loading.
    public mutating func compact() {
        for id in Array(flows.keys) { flows[id]!.compact() }
    }

    /// Starts a new period for `recentLongest`.
    public mutating func clearRecentLongest() { recentLongest.removeAll(keepingCapacity: true) }

    public mutating func prune(now: Double) {
        let cutoff = EpochMillis.from(seconds: now - horizon, .towardZero)
        for id in Array(flows.keys) { flows[id]!.prune(before: cutoff, keep: keepLatest) }
    }

    public subscript(flowId: Int64) -> Flow? { flows[flowId] }

    /// Records that a run of the flow was queued or started at this time.
    public mutating func noteStart(flowId: Int64, epochMs: Int64) {
        flows[flowId, default: Flow()].latestStartMs = max(flows[flowId]?.latestStartMs ?? epochMs, epochMs)
    }

    /// Runs held, for memory accounting.
    public var runCount: Int { flows.values.reduce(0) { $0 + $1.count } }
}
