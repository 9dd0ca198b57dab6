import EtlworksAPI
import ExporterBase
import Store

/// The figures of a set of runs: counts by status, success ratio, durations and records.
public struct RunSummary: Sendable, Equatable {
    public var runs: Int64 = 0
    /// Completed runs by status, every completed status present.
    public var byStatus: [String: Int64] = Dictionary(uniqueKeysWithValues: RunStatus.completedStatuses.map { ($0.rawValue, 0) })
    /// Successful runs over completed runs; nil without runs.
    public var successRatio: Double?
    /// Over runs with a start and an end, seconds.
    public var durationTotalSeconds: Double = 0
    public var durationP50Seconds: Double?
    public var durationP95Seconds: Double?
    public var durationMaxSeconds: Double?
    public var records: Int64 = 0

    public init() {}
}

/// Accumulates runs into a `RunSummary`. Durations are kept (as Float milliseconds, exact
/// up to 4.6 hours) so the percentiles are exact nearest-rank ones, not histogram estimates.
struct RunFigures {
    private(set) var runs: Int64 = 0
    private var counts = [Int64](repeating: 0, count: RunStatus.completedStatuses.count)
    private var durations: [Float] = []
    private var durationTotalMs: Int64 = 0
    private var durationMaxMs: Int64 = -1
    private(set) var records: Int64 = 0

    /// Index of each status in `RunStatus.completedStatuses`.
    static func statusIndex(_ status: RunStatus) -> Int {
        switch status {
        case .success: return 0
        case .warning: return 1
        case .error: return 2
        case .canceled: return 3
        default: return 4
        }
    }

    mutating func add(statusIndex: Int, durationMs: Int64?, records: Int64?) {
        runs += 1
        counts[statusIndex] += 1
        if let durationMs {
            durations.append(Float(durationMs))
            durationTotalMs = durationTotalMs.addingSaturated(durationMs)
            durationMaxMs = max(durationMaxMs, durationMs)
        }
        if let records { self.records = self.records.addingSaturated(records) }
    }

    /// Folds in the figures of other runs.
    mutating func merge(_ other: RunFigures) {
        runs += other.runs
        for index in counts.indices { counts[index] += other.counts[index] }
        durations += other.durations
        durationTotalMs = durationTotalMs.addingSaturated(other.durationTotalMs)
        durationMaxMs = max(durationMaxMs, other.durationMaxMs)
        records = records.addingSaturated(other.records)
    }

    /// The summary; reorders the kept durations.
    mutating func summary() -> RunSummary {
        var summary = RunSummary()
        summary.runs = runs
        for (index, status) in RunStatus.completedStatuses.enumerated() { summary.byStatus[status.rawValue] = counts[index] }
        summary.successRatio = runs > 0 ? Double(counts[0]) / Double(runs) : nil
        summary.durationTotalSeconds = EpochMillis.seconds(durationTotalMs)
        if !durations.isEmpty {
            summary.durationP50Seconds = EpochMillis.seconds(Int64(NearestRank.nearestRank(&durations, p: 0.5)))
            summary.durationP95Seconds = EpochMillis.seconds(Int64(NearestRank.nearestRank(&durations, p: 0.95)))
            summary.durationMaxSeconds = EpochMillis.seconds(durationMaxMs)
        }
        summary.records = records
        return summary
    }
}
