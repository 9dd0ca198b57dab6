import EtlworksAPI
import Foundation
import Logging
import Store

/// Reads flow runs: from `/v1/metrics/executions?date=` when the credentials may (one request
/// per day polled, normally just today), otherwise per flow from `/history` with a `since`
/// cursor. Runs still open from days no longer polled are looked up one by one.
public actor ExecutionsCollector: Collector {
    public nonisolated let resource = Resource.executions
    private let context: CollectorContext
    private let logger: Logger
    private let days: TenantDays
    private var useHistory = false
    private var lastAdminProbe: Date?

    /// How often the admin endpoint is tried again while in the fallback.
    static let adminProbeInterval: Double = 3600
    /// Open runs looked up individually per poll, at most.
    static let reconcileLimit = 20
    /// Overlap of history cursors, so that runs queued out of order are not missed.
    static let historyOverlap: Int64 = 3_600_000

    public init(context: CollectorContext, logger: Logger) {
        self.context = context
        self.logger = logger
        days = TenantDays(timeZone: context.config.api.timeZone)
    }

    public func collect() async throws -> Int {
        let now = context.now()
        var skipped = 0
        var polledFrom: Date?
        if !useHistory || lastAdminProbe.map({ now.timeIntervalSince($0) >= Self.adminProbeInterval }) == true {
            do {
                (skipped, polledFrom) = try await pollDays(now: now)
                if useHistory {
                    logger.info("The Administrator endpoint answers again; reading executions from /v1/metrics/executions")
                    useHistory = false
                    await context.state.setExecutionsSource(.metricsEndpoint)
                }
            } catch let error as APIError {
                guard case .forbidden = error else { throw error }
                lastAdminProbe = now
                if !useHistory {
                    useHistory = true
                    logger.warning("The API key lacks the Administrator role (403 on /v1/metrics/executions); reading executions per flow from /v1/executions/{flowId}/history instead")
                    await context.state.setExecutionsSource(.historyFallback(
                        reason: "403 on /v1/metrics/executions: the credentials lack the Administrator role"))
                }
            }
        }
        if useHistory {
            skipped += try await pollHistory(now: now)
        } else if let polledFrom {
            try await reconcile(openBefore: polledFrom, now: now)
        }
        try await context.publishFlows()
        return skipped
    }

    // MARK: Admin endpoint

    private func pollDays(now: Date) async throws -> (skipped: Int, from: Date) {
        let lastPolled = try await context.store.meta("executions.last_polled_day").flatMap { TimeInterval($0) }
            .map { Date(timeIntervalSince1970: $0) }
        let grace = max(2 * 3600, 4 * context.config.poll.executions)
        let dates = days.daysToPoll(now: now, lastPolled: lastPolled, backfill: context.config.poll.backfill, grace: grace)
        var skipped = 0
        for date in dates {
            let answer = try await context.client.dailyExecutions(date: days.label(date))
            skipped += answer.skipped
            _ = try await ingest(answer.runs, now: now)
            // Remember progress day by day: a restart after an outage resumes from here.
            try await context.store.setMeta("executions.last_polled_day", String(date.timeIntervalSince1970))
        }
        return (skipped, dates.first ?? days.start(of: now))
    }

    /// Looks up runs still open whose day is no longer polled (long runs across midnight,
    /// runs the listing dropped); a run the API no longer knows is abandoned, not counted.
    private func reconcile(openBefore: Date, now: Date) async throws {
        let cutoff = Int64(openBefore.timeIntervalSince1970 * 1000)
        let stale = try await context.store.openRuns(referencedBefore: cutoff, limit: Self.reconcileLimit)
        var found: [FlowRun] = []
        for open in stale {
            do {
                found.append(try await context.client.run(flowId: open.flowId, auditId: open.auditId))
            } catch APIError.notFound {
                try await context.store.abandonRun(auditId: open.auditId)
            }
        }
        _ = try await ingest(found, now: now)
    }

    // MARK: History fallback

    private func pollHistory(now: Date) async throws -> Int {
        var flowIds = try await context.store.flowMetrics().map(\.flow.id)
        if flowIds.isEmpty { flowIds = try await context.client.flows().items.map(\.id) }
        let cursors = try await context.store.historyCursors()
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        let floor = nowMs - Int64(context.config.poll.backfill * 1000)
        var skipped = 0
        for flowId in flowIds {
            let cursor = cursors[flowId]
            var since = floor
            if let latest = cursor?.latest { since = max(floor, latest - Self.historyOverlap) }
            if let open = cursor?.oldestOpen { since = min(since, open) }
            do {
                let page = try await context.client.history(flowId: flowId, since: since,
                                                            limit: context.config.api.maxHistoryPerFlow)
                skipped += page.skipped
                _ = try await ingest(page.items, now: now)
            } catch APIError.notFound {
                continue  // deleted since the flow list was read; the next flows poll drops it
            }
        }
        return skipped
    }

    private func ingest(_ runs: [FlowRun], now: Date) async throws -> IngestSummary {
        do {
            return try await context.store.ingest(runs, observedAt: Int64(now.timeIntervalSince1970 * 1000))
        } catch let error as StoreError {
            await context.state.setStorage(.failing(error.description))
            throw error
        }
    }
}
