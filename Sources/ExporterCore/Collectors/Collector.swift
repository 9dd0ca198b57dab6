import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import SLA
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

    /// Re-reads flow metrics from the store into the live state.
    package func publishFlows() async throws {
        let read = try await store.numberedFlowMetrics()
        await state.setFlows(read.flows, sequence: read.sequence)
        await state.setStorage(.ok, sizeBytes: await store.sizeBytes())
    }
}
