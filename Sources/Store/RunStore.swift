import EtlworksAPI

/// Durable storage of flows and runs. Counters are derived from stored runs, so they survive
/// restarts unchanged; ingestion is idempotent by audit id.
public protocol RunStore: Sendable {
    /// Stores runs. A run seen again, or one moving from running to success, stays one row;
    /// it is counted into the totals once, when its status is final: a `canceled` run is
    /// stopping until it has ended and kept its status for `stopGrace` ms (nil: final at once).
    func ingest(_ runs: [FlowRun], observedAt: Int64, stopGrace: Int64?) async throws -> IngestSummary
    /// Records the flow list: listed flows are upserted (renames included). With
    /// `removeMissing`, every other flow is marked deleted and drops out of `flowMetrics()`;
    /// returns how many were.
    func replaceFlows(_ flows: [Flow], removeMissing: Bool) async throws -> Int
    /// Metrics of every flow not deleted.
    func flowMetrics() async throws -> [FlowMetrics]
    /// The same, numbered in the order of reading: two collectors publishing concurrently
    /// can then keep the newer read instead of whichever arrives last.
    func numberedFlowMetrics() async throws -> (sequence: Int64, flows: [FlowMetrics])
    /// Open runs queued (or, without a queue time, started) before `cutoff`, oldest first.
    func openRuns(referencedBefore cutoff: Int64, limit: Int) async throws -> [OpenRun]
    /// Marks an open run the API no longer knows as abandoned: no longer open, never counted.
    func abandonRun(auditId: Int64) async throws
    /// Per-flow resume points for the history fallback.
    func historyCursors() async throws -> [Int64: HistoryCursor]
    /// A stored setting (poll cursors and the like).
    func meta(_ key: String) async throws -> String?
    func setMeta(_ key: String, _ value: String) async throws
    /// Bytes used by the database (file plus WAL).
    func sizeBytes() async -> Int64
    /// Each flow's nearest-rank `p` percentile of run time (seconds) over the completed runs
    /// that ended since `since` (epoch ms), for flows with at least `minimumRuns` of them.
    func runTimePercentiles(endedSince since: Int64, p: Double, minimumRuns: Int) async throws -> [Int64: Double]
}

extension RunStore {
    /// Stores runs, taking `canceled` as final at once.
    public func ingest(_ runs: [FlowRun], observedAt: Int64) async throws -> IngestSummary {
        try await ingest(runs, observedAt: observedAt, stopGrace: nil)
    }
}
