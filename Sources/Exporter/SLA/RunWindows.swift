import EtlworksAPI
import Store

/// Each flow's recent completed runs, ordered by end time, kept in memory so that 20 rules
/// over 2,000 flows evaluate in milliseconds. Columns are compact (13 bytes a run plus a
/// running error count); window queries binary-search the start and read prefix sums.
public struct RunWindows: Sendable {
    /// One flow's runs, sorted by `ends`.
    public struct Flow: Sendable {
        /// End times, epoch seconds.
        var ends: [Int64] = []
        /// Run times in seconds; NaN when unknown.
        var durations: [Float] = []
        var statuses: [RunStatus] = []
        /// `errorsBefore[i]`: error runs among the first i (one longer than `ends`).
        var errorsBefore: [Int32] = [0]
        /// The latest time a completed run was queued or started, epoch seconds.
        public var latestStart: Int64?

        public var count: Int { ends.count }

        mutating func insert(_ run: CompletedRun) {
            let end = run.endMs / 1000
            if let start = run.startMs.map({ $0 / 1000 }) { latestStart = max(latestStart ?? start, start) }
            let duration = run.durationMs.map { Float(Double($0) / 1000) } ?? .nan
            var index = ends.count
            if let last = ends.last, last > end { index = Self.firstIndex(ends, atOrAfter: end + 1) }
            ends.insert(end, at: index)
            durations.insert(duration, at: index)
            statuses.insert(run.status, at: index)
            // Prefix sums change from the insertion point on (rare: runs arrive nearly in order).
            errorsBefore.insert(0, at: index + 1)
            for position in (index + 1)..<errorsBefore.count {
                errorsBefore[position] = errorsBefore[position - 1] + (statuses[position - 1] == .error ? 1 : 0)
            }
        }

        /// Whether a run ending at this instant (epoch ms) is held.
        func contains(endMs: Int64) -> Bool {
            let end = endMs / 1000
            let index = Self.firstIndex(ends, atOrAfter: end)
            return index < ends.count && ends[index] == end
        }

        /// Drops runs that ended before `cutoff`, keeping at least the latest `keep`.
        mutating func prune(before cutoff: Int64, keep: Int) {
            let drop = min(Self.firstIndex(ends, atOrAfter: cutoff), max(0, ends.count - keep))
            guard drop > 0 else { return }
            ends.removeFirst(drop)
            durations.removeFirst(drop)
            statuses.removeFirst(drop)
            let base = errorsBefore[drop]
            errorsBefore = errorsBefore[drop...].map { $0 - base }
        }

        /// Runs that ended in (from, to]: how many, and how many failed.
        public func counts(endedAfter from: Int64, upTo to: Int64) -> (runs: Int, errors: Int) {
            let lower = Self.firstIndex(ends, atOrAfter: from + 1)
            let upper = Self.firstIndex(ends, atOrAfter: to + 1)
            guard upper > lower else { return (0, 0) }
            return (upper - lower, Int(errorsBefore[upper] - errorsBefore[lower]))
        }

        /// Known run times of runs that ended in (from, to], appended to `buffer`.
        public func durations(endedAfter from: Int64, upTo to: Int64, into buffer: inout [Float]) {
            let lower = Self.firstIndex(ends, atOrAfter: from + 1)
            let upper = Self.firstIndex(ends, atOrAfter: to + 1)
            guard upper > lower else { return }
            for index in lower..<upper where !durations[index].isNaN { buffer.append(durations[index]) }
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

        /// The latest completed run: its end and run time.
        public var last: (end: Int64, duration: Double?)? {
            guard let end = ends.last else { return nil }
            let duration = durations[durations.count - 1]
            return (end, duration.isNaN ? nil : Double(duration))
        }

        static func firstIndex(_ values: [Int64], atOrAfter value: Int64) -> Int {
            var low = 0, high = values.count
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

    public mutating func add(_ runs: [CompletedRun]) {
        for run in runs { flows[run.flowId, default: Flow()].insert(run) }
    }

    public mutating func prune(now: Double) {
        let cutoff = Int64(now - horizon)
        for id in Array(flows.keys) { flows[id]!.prune(before: cutoff, keep: keepLatest) }
    }

    public subscript(flowId: Int64) -> Flow? { flows[flowId] }

    /// Records that a run of the flow was queued or started at this time.
    public mutating func noteStart(flowId: Int64, epochSeconds: Int64) {
        flows[flowId, default: Flow()].latestStart = max(flows[flowId]?.latestStart ?? epochSeconds, epochSeconds)
    }

    /// Runs held, for memory accounting.
    public var runCount: Int { flows.values.reduce(0) { $0 + $1.count } }
}
