import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import Foundation
import Logging
import Store
import Vocabulary

/// Reads change-data-capture streams from the running-tasks API: every poll, the stream
/// tasks of each running run of a streaming flow; once, the tasks of any other run that has
/// run longer than `etlworks.stream_probe_after` (a stream found makes its flow streaming).
/// At most `etlworks.max_stream_probes` requests per poll. A 403 turns stream polling off.
///
/// What it learns is kept in the database, so the records counter stays monotonic and a
/// stream's last progress survives a restart.
public actor StreamsCollector: Collector {
    public nonisolated let resource = Resource.streams
    private let context: CollectorContext
    private let logger: Logger
    private var streams: [Int64: StreamStatus]?
    /// Runs already asked once whether they stream.
    private var probed = Set<Int64>()
    /// Where the streams polled next start, so that more streams than probes take turns.
    private var rotation = 0
    private var off = false

    static let metaKey = "streams.status"
    /// Open runs considered, at most.
    static let openRunLimit = 5000

    public init(context: CollectorContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    public func collect() async throws -> Int {
        let budget = context.config.api.maxStreamProbes
        guard !off, budget > 0 else { return 0 }
        var streams = try await loadStreams()
        let nowMs = EpochMillis.from(context.now(), .towardZero)
        let kinds = await context.state.flowKinds()
        // The newest running run of each flow.
        var running: [Int64: OpenRun] = [:]
        for run in try await context.store.openRuns(referencedBefore: .max, limit: Self.openRunLimit) {
            guard let started = run.started, started <= nowMs else { continue }
            if let kept = running[run.flowId], (kept.started ?? 0) >= started { continue }
            running[run.flowId] = run
        }
        let streaming = running.values.filter { kinds[$0.flowId] == .streaming || streams[$0.flowId] != nil }
            .sorted { $0.flowId < $1.flowId }
        let probeBefore = nowMs - EpochMillis.from(seconds: context.config.api.streamProbeAfter, .towardZero)
        let candidates = running.values.filter { run in
            kinds[run.flowId] != .streaming && streams[run.flowId] == nil && !probed.contains(run.auditId)
                && (run.started ?? .max) <= probeBefore
        }.sorted { ($0.started ?? 0) < ($1.started ?? 0) }
        var asked = streaming
        if asked.count > budget {
            let start = rotation % asked.count
            asked = Array((asked[start...] + asked[..<start]).prefix(budget))
            rotation += budget
        }
        asked += candidates.prefix(budget - asked.count)
        var skipped = 0
        var answered = 0
        var failure: (any Error)?
        for run in asked {
            let tasks: DecodedPage<RunningTask>
            do {
                tasks = try await context.client.runningTasks(flowId: run.flowId, auditId: run.auditId, type: "stream")
            } catch let error as APIError {
                if case .forbidden(let endpoint, let status) = error {
                    try await turnOff(endpoint: endpoint, status: status)
                    return skipped
                }
                if case .notFound = error { continue } // the run ended since it was stored
                failure = failure ?? error
                continue
            }
            answered += 1
            skipped += tasks.skipped
            let isStream = !tasks.items.isEmpty
            if streams[run.flowId] == nil {
                probed.insert(run.auditId)
                guard isStream || kinds[run.flowId] == .streaming else { continue }
                if isStream {
                    logger.info(
                        "A run of flow \(run.flowId) has a stream task: the flow is a change-data-capture stream (kind=\"streaming\")",
                        metadata: ["flow.id": "\(run.flowId)", "run.audit_id": "\(run.auditId)"])
                }
            }
            var status = streams[run.flowId] ?? StreamStatus()
            status.observe(
                auditId: run.auditId, runStarted: run.started,
                counter: isStream ? tasks.items.reduce(0) { $0 + ($1.recordsProcessed ?? 0) } : nil,
                latencySeconds: tasks.items.compactMap(\.latency).max().map { $0 * latencyUnit },
                taskStarted: tasks.items.compactMap(\.started).min(), at: nowMs)
            streams[run.flowId] = status
        }
        for flowId in streams.keys where running[flowId] == nil { streams[flowId]?.ended() }
        probed.formIntersection(running.values.map(\.auditId))
        await context.state.setStreams(try await save(streams))
        // Some answers are worth keeping; only a poll where none came fails.
        if answered == 0, let failure { throw failure }
        return skipped
    }

    /// Seconds per unit of the API's latency (`etlworks.stream_latency_unit`).
    private var latencyUnit: Double { context.config.api.streamLatencyUnit == "s" ? 1 : 0.001 }

    private func turnOff(endpoint: String, status: Int) async throws {
        off = true
        let reason = "\(status) on \(endpoint): the credentials need the Administrator role to read running tasks"
        logger.warning("Stream polling is off until the exporter restarts: \(reason)")
        await context.state.setUnavailable(resource, reason: reason)
    }

    private func loadStreams() async throws -> [Int64: StreamStatus] {
        if let streams { return streams }
        let loaded = try await context.store.perFlowMeta(Self.metaKey, as: StreamStatus.self)
        streams = loaded
        return loaded
    }

    /// Keeps the streams of flows that still exist, in memory and in the database.
    private func save(_ updated: [Int64: StreamStatus]) async throws -> [Int64: StreamStatus] {
        let flows = await context.state.flowIds()
        let kept = flows.isEmpty ? updated : updated.filter { flows.contains($0.key) }
        guard kept != streams else { return kept }
        streams = kept
        try await context.store.setPerFlowMeta(Self.metaKey, kept)
        return kept
    }
}
