import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import SLA
import SQLiteDatabase
import Store
import Vocabulary

/// Polls one resource of the API and stores what it sees. One collector per resource, each
/// with its own interval, success and duration (node_exporter's collector pattern).
public protocol Collector: Sendable {
    var resource: Resource { get }
    /// Polls once. Throws when the poll as a whole failed; returns the number of records
    /// that were skipped as undecodable.
    func collect() async throws -> Int
}

/// What every collector needs: the API, the store and the live state.
public struct CollectorContext: Sendable {
    public var client: any EtlworksClient
    public var store: any RunStore
    public var state: ExporterState
    public var config: ExporterConfig
    /// The current time; injected so tests can place polls around midnight.
    public var now: @Sendable () -> Date
    /// Receives each run when it is first stored completed (the SLA engine's windows).
    public var completedRuns: (any CompletedRunSink)?
    /// With `push`: told which completed runs each source saw (`etlworks_push_runs_total`).
    public var pushes: PushReceiver?

    public init(
        client: any EtlworksClient, store: any RunStore, state: ExporterState, config: ExporterConfig,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.store = store
        self.state = state
        self.config = config
        self.now = now
    }

    /// Records the shape of an answer of `resource`, saying once in the log when it held none
    /// of the expected fields (only its keys, never its values).
    func noteAnswerShape(_ resource: Resource, unrecognizedKeys: String?, logger: Logger) async {
        guard await state.noteAnswerShape(resource, unrecognizedKeys: unrecognizedKeys), let keys = unrecognizedKeys else {
            return
        }
        logger.warning(
            "The \(resource.rawValue) answer holds none of the fields the exporter knows; its series stay empty until it does",
            metadata: ["answer.keys": "\(keys)"])
    }

    /// Stores runs read from the API — by a poll or the look-up of a pushed run — each counted
    /// once by its audit id, and hands the newly completed ones to the SLA engine.
    func ingest(_ runs: [FlowRun], now: Date, source: PushLedger.Source) async throws -> IngestSummary {
        do {
            let summary = try await store.ingest(
                runs, observedAt: EpochMillis.from(now, .towardZero),
                stopGrace: EpochMillis.from(seconds: config.api.stopGrace, .towardZero))
            if !summary.completedRuns.isEmpty { await completedRuns?.add(summary.completedRuns) }
            if !summary.scheduledStarts.isEmpty { await completedRuns?.noteScheduledStarts(summary.scheduledStarts) }
            if let pushes {
                await pushes.saw(runs.filter(\.isCompleted).map(\.auditId), by: source, now: now.timeIntervalSince1970)
            }
            return summary
        } catch let error as StoreError {
            await state.setStorage(.failing(error.description))
            throw error
        }
    }

    /// Re-reads flow metrics from the store into the live state.
    package func publishFlows() async throws {
        let read = try await store.numberedFlowMetrics()
        await state.setFlows(read.flows, sequence: read.sequence)
        await state.setStorage(.ok, sizeBytes: await store.sizeBytes())
    }
}
