import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import Foundation
import Logging
import SLA
import Store
import Vocabulary

/// Finds when a flow last succeeded when no stored run says: for each flow that a
/// `max_since_success` rule judges and that has no stored success, reads the flow's own
/// history (`/v1/executions/{flowId}/history`) back to `sla.lookback`, once per flow, and keeps
/// the answer — the last success found, or the look-back bound (the oldest run read, when the
/// history is longer than a look-up reads) when none is. A few flows per poll.
public actor SuccessLookbackCollector: Collector {
    public nonisolated let resource = Resource.lookback
    private let context: CollectorContext
    private let logger: Logger
    private var found: [Int64: Double]?

    static let metaKey = "sla.lookback"
    /// Flows looked up per poll, at most.
    static let flowsPerPoll = 10
    /// Runs read per flow, at most.
    static let runsPerFlow = 5000

    public init(context: CollectorContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    /// Whether any rule needs it.
    public static func needed(by rules: [SLARule]) -> Bool { !judging(rules).isEmpty }

    /// The rules whose flows it looks up: `max_since_success`.
    private static func judging(_ rules: [SLARule]) -> [SLARule] {
        rules.filter { if case .maxSinceSuccess = $0.condition { return true } else { return false } }
    }

    public func collect() async throws -> Int {
        var found = try await load()
        let rules = Self.judging(context.config.sla)
        let snapshot = await context.state.snapshot()
        let now = context.now().timeIntervalSince1970
        let bound = now - context.config.slaLookback
        let wanted = snapshot.flows.filter { flow in
            flow.metrics.lastSuccessEnd == nil && found[flow.metrics.flow.id] == nil
                && rules.contains { $0.judges(flow.metrics.flow, kind: flow.kind) }
        }.map(\.metrics.flow.id).sorted()
        var skipped = 0, answered = 0
        var failure: (any Error)?
        for flowId in wanted.prefix(Self.flowsPerPoll) {
            let page: DecodedPage<FlowRun>
            do {
                page = try await context.client.history(
                    flowId: flowId, since: EpochMillis.from(seconds: bound, .towardZero), limit: Self.runsPerFlow)
            } catch {
                if case APIError.notFound = error { continue } // deleted since
                failure = failure ?? error
                continue
            }
            answered += 1
            skipped += page.skipped
            let lastSuccess = page.items.filter { $0.status == .success }.compactMap(\.ended).max()
            // A history cut short by the limit says nothing before its oldest run.
            let oldest = page.items.count >= Self.runsPerFlow ? page.items.compactMap { $0.started ?? $0.created }.min() : nil
            let reference = lastSuccess.map { EpochMillis.seconds($0) } ?? oldest.map { EpochMillis.seconds($0) } ?? bound
            found[flowId] = reference
            logger.info(
                lastSuccess == nil
                    ? "Flow \(flowId) has no stored success and none in its history since \(UTCTime.format(reference))"
                    : "Flow \(flowId) has no stored success; its history says it last succeeded at \(UTCTime.format(reference))",
                metadata: ["flow.id": "\(flowId)"])
        }
        // Flows gone, and flows that have a stored success now, need no answer kept.
        let live = Dictionary(uniqueKeysWithValues: snapshot.flows.map { ($0.metrics.flow.id, $0.metrics.lastSuccessEnd) })
        found = found.filter { live[$0.key].map { $0 == nil } ?? snapshot.flows.isEmpty }
        try await save(found)
        await context.state.setLastSuccessLookedUp(found)
        if answered == 0, let failure { throw failure }
        return skipped
    }

    private func load() async throws -> [Int64: Double] {
        if let found { return found }
        let loaded = try await context.store.perFlowMeta(Self.metaKey, as: Double.self)
        found = loaded
        await context.state.setLastSuccessLookedUp(loaded)
        return loaded
    }

    private func save(_ updated: [Int64: Double]) async throws {
        guard updated != found else { return }
        found = updated
        try await context.store.setPerFlowMeta(Self.metaKey, updated)
    }
}
