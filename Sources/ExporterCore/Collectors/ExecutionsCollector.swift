import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import SLA
import SQLiteDatabase
import Store
import Vocabulary

/// Reads flow runs: from `/v1/metrics/executions?date=` when the credentials may (one request
/// per day polled: today, and the day before while it still holds open runs), otherwise per
/// flow from `/history` with a `since` cursor.
public actor ExecutionsCollector: Collector {
    public nonisolated let resource = Resource.executions
    private let context: CollectorContext
    private let logger: Logger
    private let days: TenantDays
    private var useHistory = false
    /// Whether days are asked by `offset` (an older Reporting API ignores `date`); nil until
    /// read from the store.
    private var daysByOffset: Bool?
    private var lastAdminProbe: Date?
    private var lastReconcile: Date?
    private var loggedUndecodableLookup = false
    /// Runs of the days polled last time that are final in the store: the next listing
    /// passes over them undecoded (a day of runs is mostly these).
    private var settled = Set<Int64>()
    /// How many listed runs the latest poll passed over (for tests and benchmarks).
    private(set) var passedOverLastPoll = 0

    /// How often the admin endpoint is tried again while in the fallback.
    static let adminProbeInterval: Double = 3600
    /// Open runs looked up individually per poll, at most.
    static let reconcileLimit = 20
    /// How often open runs that no day listing returns are looked up individually.
    static let reconcileInterval: Double = 600
    /// Earlier days re-listed per poll because they still hold open runs, at most.
    static let maxOpenRunDays = 2
    /// Open runs considered when choosing days, at most.
    static let openRunScanLimit = 5000
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
        if !useHistory || lastAdminProbe.map({ now.timeIntervalSince($0) >= Self.adminProbeInterval }) == true {
            do {
                skipped = try await pollDays(now: now)
                if useHistory {
                    logger.info("The Administrator endpoint answers again; reading executions from /v1/metrics/executions")
                    useHistory = false
                    await context.state.setExecutionsSource(.metricsEndpoint)
                }
            } catch let error as APIError {
                guard case .forbidden(let endpoint, let status) = error, endpoint == "/v1/metrics/executions" else {
                    throw error
                }
                lastAdminProbe = now
                if !useHistory {
                    useHistory = true
                    logger.warning(
                        "The credentials lack the Administrator role (\(status) on /v1/metrics/executions); reading executions per flow from /v1/executions/{flowId}/history instead"
                    )
                    await context.state.setExecutionsSource(
                        .historyFallback(
                            reason: "\(status) on /v1/metrics/executions: the credentials lack the Administrator role"))
                }
            }
        }
        if useHistory {
            skipped += try await pollHistory(now: now)
        }
        try await context.publishFlows()
        try await refreshRunTimes(now: now)
        return skipped
    }

    /// How often each flow's p95 run time over 30 days is read again: a scan of a month of
    /// runs, cheap every quarter hour, wasteful every poll.
    static let runTimesInterval: TimeInterval = 900
    private var runTimesRead: Date?

    private func refreshRunTimes(now: Date) async throws {
        guard runTimesRead.map({ now.timeIntervalSince($0) >= Self.runTimesInterval }) ?? true else { return }
        runTimesRead = now
        let p95 = try await context.store.runTimePercentiles(
            endedSince: EpochMillis.from(now) - 30 * 86_400_000, p: 0.95, minimumRuns: 5)
        await context.state.setRecentRunTimes(p95)
    }

    // MARK: Admin endpoint

    /// Polls the day listings: the days `TenantDays.daysToPoll` names, plus up to
    /// `maxOpenRunDays` earlier days that still hold open runs (one request finishes all of a
    /// day's runs). Open runs that none of those listings returned are looked up one by one,
    /// at most every `reconcileInterval`.
    private func pollDays(now: Date) async throws -> Int {
        let lastPolled = try await context.store.meta("executions.last_polled_day").flatMap { TimeInterval($0) }
            .map { Date(timeIntervalSince1970: $0) }
        let backfill = context.config.poll.backfill
        let grace = max(2 * 3600, 4 * context.config.poll.executions)
        var dates = days.daysToPoll(now: now, lastPolled: lastPolled, backfill: backfill, grace: grace)
        let latest = days.latestDay(now: now)
        let open = try await context.store.openRuns(
            referencedBefore: EpochMillis.from(latest, .towardZero), limit: Self.openRunScanLimit)
        let earliest = days.earliestDay(now: now, backfill: backfill)
        let openDays = Set(open.flatMap { run in runDays(run).filter { $0 >= earliest } })
        dates += openDays.subtracting(dates).sorted(by: >).prefix(Self.maxOpenRunDays)
        dates.sort()
        var skipped = 0
        var seen = Set<Int64>()
        var settledNow = Set<Int64>()
        var passedOver = 0
        // Dates after the calendar's own today are polled only while the zone is unknown.
        let calendarToday = days.start(of: now)
        var offsetsRead = Set<Int>()
        // After an outage longer than the backfill the days between were never read: the
        // complete history starts again with the first day read now.
        let historyLost = lastPolled.map { $0 < earliest } ?? false
        var historyStart = historyLost ? nil : try await context.store.meta(RunHistory.startKey)
        for date in dates {
            var byDate: DailyExecutions?
            if try await !readsDaysByOffset() {
                do {
                    byDate = try await context.client.dailyExecutions(date: days.label(date), skipping: settled)
                } catch let error as APIError where date > calendarToday && Self.refusesDate(error) {
                    // A date only current east of UTC may be "in the future" to the API: no runs yet.
                    continue
                }
                if let runs = byDate?.runs, date < calendarToday, !runs.isEmpty, !runs.contains(where: { days.holds(date, $0) }) {
                    try await switchToOffsets(asked: date)
                    byDate = nil
                }
            }
            let answer: DailyExecutions
            if let byDate {
                answer = byDate
            } else {
                let offset = days.offset(of: date, now: now)
                guard offsetsRead.insert(offset).inserted else { continue }
                answer = try await context.client.dailyExecutions(offset: offset, skipping: settled)
            }
            skipped += answer.skipped
            for run in answer.runs { seen.insert(run.auditId) }
            seen.formUnion(answer.passedOver)
            settledNow.formUnion(answer.passedOver)
            passedOver += answer.passedOver.count
            // Runs passed over undecoded are settled: completed, seen by this poll.
            await context.pushes?.saw(Array(answer.passedOver), by: .poll, now: now.timeIntervalSince1970)
            settledNow.formUnion(try await ingest(answer.runs, now: now).settled)
            // The run history is complete from the earliest day read whole (usage reports).
            if let start = RunHistory.start(afterReading: date.timeIntervalSince1970, stored: historyStart) {
                try await context.store.setMeta(RunHistory.startKey, start)
                historyStart = start
            }
            // Remember progress: after an outage, polling resumes from the last day read.
            if date == latest || date > (lastPolled ?? .distantPast) {
                try await context.store.setMeta("executions.last_polled_day", String(date.timeIntervalSince1970))
            }
        }
        // Only the days polled now: the set stays as large as the runs they list.
        settled = settledNow
        passedOverLastPoll = passedOver
        let stragglers = open.filter { !seen.contains($0.auditId) }
        if !stragglers.isEmpty, lastReconcile.map({ now.timeIntervalSince($0) >= Self.reconcileInterval }) ?? true {
            lastReconcile = now
            try await reconcile(stragglers.prefix(Self.reconcileLimit), now: now)
        }
        return skipped
    }

    private func readsDaysByOffset() async throws -> Bool {
        if let daysByOffset { return daysByOffset }
        let stored = try await context.store.meta("executions.day_parameter") == "offset"
        daysByOffset = stored
        await context.state.setDaysByOffset(stored)
        return stored
    }

    /// An older Reporting API answered another day for a past `date`: it takes only `offset`.
    /// Said once; kept in the database, so a restart does not ask by date again.
    private func switchToOffsets(asked date: Date) async throws {
        logger.warning(
            "The Reporting API answered runs of another day for date=\(days.label(date)): this instance ignores date, so days are read by offset from now on"
        )
        daysByOffset = true
        try await context.store.setMeta("executions.day_parameter", "offset")
        await context.state.setDaysByOffset(true)
    }

    /// Whether the API rejected the date itself (400, 404, 422), as it may for a date it
    /// considers in the future.
    static func refusesDate(_ error: APIError) -> Bool {
        switch error {
        case .http(_, let status, _): return status == 400 || status == 422
        case .notFound: return true
        default: return false
        }
    }

    /// The days a run may be filed under: the day it was queued and the day it started.
    private func runDays(_ run: OpenRun) -> [Date] {
        Set([run.created, run.started].compactMap { $0 }.map { days.start(of: EpochMillis.date($0)) })
            .sorted()
    }

    /// Looks runs up one by one; a run the API no longer knows is abandoned, never counted.
    /// An answer that is not an audit record fails that look-up only (said once).
    private func reconcile(_ runs: ArraySlice<OpenRun>, now: Date) async throws {
        var found: [FlowRun] = []
        for open in runs {
            do {
                found.append(try await context.client.run(flowId: open.flowId, auditId: open.auditId))
            } catch APIError.notFound {
                try await context.store.abandonRun(auditId: open.auditId)
            } catch let error as APIError {
                guard case .decoding = error else { throw error }
                if !loggedUndecodableLookup {
                    loggedUndecodableLookup = true
                    logger.warning(
                        "A run looked up one by one could not be decoded; that run is tried again later",
                        metadata: ["error": "\(error)", "run.audit_id": "\(open.auditId)"])
                }
            }
        }
        _ = try await ingest(found, now: now)
    }

    // MARK: History fallback

    private func pollHistory(now: Date) async throws -> Int {
        var flowIds = try await context.store.flowMetrics().map(\.flow.id)
        if flowIds.isEmpty { flowIds = try await context.client.flows().items.map(\.id) }
        let cursors = try await context.store.historyCursors()
        let nowMs = EpochMillis.from(now, .towardZero)
        let floor = nowMs - EpochMillis.from(seconds: context.config.poll.backfill, .towardZero)
        var skipped = 0
        for flowId in flowIds {
            let cursor = cursors[flowId]
            var since = floor
            if let latest = cursor?.latest { since = max(floor, latest - Self.historyOverlap) }
            if let open = cursor?.oldestOpen { since = min(since, open) }
            do {
                let page = try await context.client.history(
                    flowId: flowId, since: since,
                    limit: context.config.api.maxHistoryPerFlow)
                skipped += page.skipped
                _ = try await ingest(page.items, now: now)
            } catch APIError.notFound {
                continue // deleted since the flow list was read; the next flows poll drops it
            }
        }
        return skipped
    }

    private func ingest(_ runs: [FlowRun], now: Date) async throws -> IngestSummary {
        try await context.ingest(runs, now: now, source: .poll)
    }
}
