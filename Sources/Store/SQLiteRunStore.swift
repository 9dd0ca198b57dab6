import EtlworksAPI
import Exposition
import Foundation
import SQLiteDatabase

/// `RunStore` in one SQLite file (WAL mode).
///
/// Opening never recreates an existing file: a file that is not a database, fails the quick
/// integrity check, or was written by a newer schema is refused with an error naming it.
public actor SQLiteRunStore: RunStore {
    /// Used only on `executor`'s thread, which a tenant's view shares with its owner.
    private nonisolated(unsafe) let connection: SQLiteConnection
    /// A thread of its own: SQLite blocks, and must not block Swift's cooperative pool.
    private nonisolated let executor: SQLiteExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    /// The tenant whose flows and runs this store reads and writes ('' without tenants).
    public nonisolated let tenant: String
    /// The store a tenant's view was made from: it owns the connection and the thread, and
    /// must live as long as the view.
    private let owner: SQLiteRunStore?

    deinit { if owner == nil { executor.stop() } }

    /// Whether the caller runs on this store's own thread (what every method of it does).
    package func isOnItsOwnThread() -> Bool { executor.isCurrent() }
    /// The database file.
    public nonisolated let path: String
    /// The histogram's bounds.
    public nonisolated let durationBuckets: DurationBuckets

    /// Opens (or creates) the store at `path`, migrating the schema forward.
    /// `verify`: run SQLite's quick integrity check on the file first (see `DatabaseFile.open`).
    /// `durationBuckets`: the histogram's bounds. When they differ from the ones the file
    /// was counted with, the histogram is recounted from the runs still stored (the other
    /// totals are kept: they also count runs that retention has deleted).
    /// `nativeSchema`: the schema of the native-histogram buckets (`metrics.native_histogram_schema`),
    /// recounted from the stored runs likewise when it changes.
    public init(
        path: String, verify: Bool = true, durationBuckets: DurationBuckets = .standard,
        nativeSchema: Int = NativeHistogram.defaultSchema
    )
        throws
    {
        self.path = path
        self.durationBuckets = durationBuckets
        self.nativeSchema = nativeSchema
        executor = SQLiteExecutor(name: "sqlite-runs")
        tenant = ""
        owner = nil
        let connection = try DatabaseFile.open(path: path, verify: verify)
        let signature = try Self.readMeta(connection, "duration_buckets")
        if signature != durationBuckets.signature {
            try connection.transaction {
                try Self.recountDurationBuckets(connection, durationBuckets)
                try Self.writeMeta(connection, "duration_buckets", durationBuckets.signature)
            }
        }
        if try Self.readMeta(connection, "native_schema") != String(nativeSchema) {
            try connection.transaction {
                try Self.recountNativeBuckets(connection, schema: nativeSchema)
                try Self.writeMeta(connection, "native_schema", String(nativeSchema))
            }
        }
        self.connection = connection
    }

    /// The schema of the native-histogram buckets.
    public nonisolated let nativeSchema: Int

    /// The same database seen as `tenant`'s: its flows and runs only (ids of tenants overlap),
    /// on the same connection and thread, so tenants' writes queue behind each other as one
    /// store's do.
    public nonisolated func forTenant(_ tenant: String) -> SQLiteRunStore {
        SQLiteRunStore(view: owner ?? self, tenant: tenant)
    }

    private init(view owner: SQLiteRunStore, tenant: String) {
        connection = owner.connection
        executor = owner.executor
        path = owner.path
        durationBuckets = owner.durationBuckets
        nativeSchema = owner.nativeSchema
        self.tenant = tenant
        self.owner = owner
    }

    /// A meta key of this tenant: the tenant's own poll cursors (the shared ones keep their name).
    private func tenantKey(_ key: String) -> String { tenant.isEmpty ? key : "tenant/\(tenant)/\(key)" }

    /// How long a write waits for another connection's lock (tests).
    package func setBusyTimeout(milliseconds: Int32) { connection.setBusyTimeout(milliseconds: milliseconds) }

    /// Closes the database; later calls fail.
    public func close() {
        connection.close()
    }

    // MARK: Runs

    /// Deletes up to `batch` completed runs that ended before `cutoffMs` (epoch ms); returns
    /// how many. Counters are kept as totals, so they do not change.
    public func deleteRuns(endedBefore cutoffMs: Int64, batch: Int = 5000) throws -> Int {
        try connection.transaction {
            try connection.statement(
                """
                DELETE FROM runs WHERE (tenant, audit_id) IN (
                    SELECT tenant, audit_id FROM runs WHERE state = 1 AND coalesce(ended_ms, updated_ms) < ?1 LIMIT ?2)
                """
            ).run(.integer(cutoffMs), .integer(Int64(batch)))
            return Int(try connection.scalar("SELECT changes()") ?? 0)
        }
    }

    public func ingest(_ runs: [FlowRun], observedAt: Int64, stopGrace: Int64? = nil) throws -> IngestSummary {
        guard !runs.isEmpty else { return IngestSummary() }
        return try connection.transaction {
            var summary = IngestSummary()
            let lookup = try connection.statement(
                "SELECT state, status, started_ms, ended_ms, records, status_since_ms, kinds FROM runs WHERE tenant = ?2 AND audit_id = ?1"
            )
            for run in runs {
                if let event = run.eventId, let start = run.started ?? run.created {
                    summary.scheduledStarts[event] = max(summary.scheduledStarts[event] ?? start, start)
                }
                try lookup.bind(.integer(run.auditId), .text(tenant))
                if try lookup.step() {
                    let state = RunState(rawValue: lookup.int(0))
                    let stored = (
                        status: lookup.text(1), started: lookup.optionalInt(2), ended: lookup.optionalInt(3),
                        records: lookup.optionalInt(4), since: lookup.optionalInt(5),
                        kinds: lookup.int(6) | RunKind.bits(of: run)
                    )
                    lookup.reset()
                    let statusChanged = stored.status != run.status.rawValue
                    let since = statusChanged ? observedAt : (stored.since ?? observedAt)
                    if state == .completed {
                        summary.unchanged += 1
                        summary.settled.append(run.auditId)
                    } else if StopRule.isFinal(run, statusSince: since, observedAt: observedAt, stopGrace: stopGrace) {
                        try updateRun(run, state: .completed, statusSince: since, observedAt: observedAt)
                        try count(run, kinds: stored.kinds, observedAt: observedAt)
                        summary.completed += 1
                        summary.settled.append(run.auditId)
                        summary.completedRuns.append(Self.completed(run, observedAt: observedAt))
                    } else if state == .open,
                        statusChanged || stored.started != run.started || stored.ended != run.ended
                            || stored.records != run.records
                    {
                        try updateRun(run, state: .open, statusSince: since, observedAt: observedAt)
                        summary.updated += 1
                    } else {
                        summary.unchanged += 1
                    }
                } else {
                    lookup.reset()
                    let since = StopRule.statusSince(firstSeen: run, observedAt: observedAt)
                    let final = StopRule.isFinal(run, statusSince: since, observedAt: observedAt, stopGrace: stopGrace)
                    try insertRun(run, final: final, statusSince: since, observedAt: observedAt)
                    try ensureFlow(run)
                    summary.inserted += 1
                    if final {
                        try count(run, kinds: RunKind.bits(of: run), observedAt: observedAt)
                        summary.completed += 1
                        summary.settled.append(run.auditId)
                        summary.completedRuns.append(Self.completed(run, observedAt: observedAt))
                    }
                }
            }
            return summary
        }
    }

    private func insertRun(_ run: FlowRun, final: Bool, statusSince: Int64, observedAt: Int64) throws {
        try connection.statement(
            """
            INSERT INTO runs (audit_id, flow_id, status, state, parent_audit_id, created_ms, started_ms, ended_ms,
                              records, first_seen_ms, updated_ms, status_since_ms, kinds, event_id, tenant)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13, ?14)
            """
        ).run(
            .integer(run.auditId), .integer(run.flowId), .text(run.status.rawValue),
            .integer((final ? RunState.completed : .open).rawValue), .optional(run.parentAuditId), .optional(run.created),
            .optional(run.started), .optional(run.ended), .optional(run.records), .integer(observedAt),
            .integer(statusSince), .integer(RunKind.bits(of: run)), .optional(run.eventId), .text(tenant))
    }

    private func updateRun(_ run: FlowRun, state: RunState, statusSince: Int64, observedAt: Int64) throws {
        try connection.statement(
            """
            UPDATE runs SET status = ?2, state = ?3, created_ms = coalesce(?4, created_ms),
                started_ms = coalesce(?5, started_ms), ended_ms = coalesce(?6, ended_ms),
                records = coalesce(?7, records), updated_ms = ?8, status_since_ms = ?9, kinds = kinds | ?10,
                event_id = coalesce(?11, event_id)
            WHERE tenant = ?12 AND audit_id = ?1
            """
        ).run(
            .integer(run.auditId), .text(run.status.rawValue), .integer(state.rawValue), .optional(run.created),
            .optional(run.started), .optional(run.ended), .optional(run.records), .integer(observedAt),
            .integer(statusSince), .integer(RunKind.bits(of: run)), .optional(run.eventId), .text(tenant))
    }

    private static func completed(_ run: FlowRun, observedAt: Int64) -> CompletedRun {
        CompletedRun(
            flowId: run.flowId, endMs: run.ended ?? observedAt, startMs: run.started ?? run.created,
            durationMs: run.durationMilliseconds, status: run.status)
    }

    /// Completed runs that ended at or after `since` (epoch ms), a page at a time in audit id
    /// order: pass the last page's `next` to continue; nil when there is no more. The table is
    /// read in storage order, which is much faster than seeking each row from an index when
    /// the window covers most runs, and a page bounds the memory a month of runs needs.
    public func completedRuns(
        endedSince since: Int64, after auditId: Int64 = .min,
        limit: Int = 100_000
    ) throws -> (runs: [CompletedRun], next: Int64?) {
        let statement = try connection.statement(
            """
            SELECT flow_id, coalesce(ended_ms, updated_ms), coalesce(started_ms, created_ms), ended_ms - started_ms, status, audit_id
            FROM runs WHERE tenant = ?4 AND audit_id > ?1 AND state = 1 AND coalesce(ended_ms, updated_ms) >= ?2
            ORDER BY tenant, audit_id LIMIT ?3
            """)
        try statement.bind(.integer(auditId), .integer(since), .integer(Int64(limit)), .text(tenant))
        var runs: [CompletedRun] = []
        var last: Int64?
        while try statement.step() {
            runs.append(Self.completedRun(statement))
            last = statement.int(5)
        }
        return (runs, runs.count == limit ? last : nil)
    }

    /// A flow's latest `limit` completed runs, newest first.
    public func latestCompletedRuns(flowId: Int64, limit: Int) throws -> [CompletedRun] {
        let statement = try connection.statement(
            """
            SELECT flow_id, coalesce(ended_ms, updated_ms) AS end_ms, coalesce(started_ms, created_ms), ended_ms - started_ms, status
            FROM runs WHERE tenant = ?3 AND flow_id = ?1 AND state = 1 ORDER BY end_ms DESC LIMIT ?2
            """)
        try statement.bind(.integer(flowId), .integer(Int64(limit)), .text(tenant))
        return try Self.completedRuns(statement)
    }

    /// Reads rows of (flow, end, start, duration, status).
    private static func completedRuns(_ statement: SQLiteStatement) throws -> [CompletedRun] {
        var result: [CompletedRun] = []
        while try statement.step() { result.append(completedRun(statement)) }
        return result
    }

    private static func completedRun(_ statement: SQLiteStatement) -> CompletedRun {
        CompletedRun(
            flowId: statement.int(0), endMs: statement.int(1), startMs: statement.optionalInt(2),
            durationMs: statement.optionalInt(3).map { max(0, $0) },
            status: RunStatus(rawValue: statement.text(4) ?? "") ?? .unknown)
    }

    /// A flow first seen in a run is stored with the run's name until the flow list names it.
    private func ensureFlow(_ run: FlowRun) throws {
        try connection.statement("INSERT OR IGNORE INTO flows (tenant, id, name) VALUES (?3, ?1, ?2)")
            .run(.integer(run.flowId), .text(run.flowName ?? ""), .text(tenant))
        if let name = run.flowName, !name.isEmpty {
            try connection.statement("UPDATE flows SET name = ?2 WHERE tenant = ?3 AND id = ?1 AND listed = 0 AND name = ''")
                .run(.integer(run.flowId), .text(name), .text(tenant))
        }
    }

    /// Adds a completed run to its flow's totals, histogram, kinds and last-run state.
    private func count(_ run: FlowRun, kinds: Int64, observedAt: Int64) throws {
        for kind in RunKind.allCases where kinds & kind.bit != 0 {
            try connection.statement(
                """
                INSERT INTO flow_run_kinds (tenant, flow_id, kind, runs) VALUES (?3, ?1, ?2, 1)
                ON CONFLICT (tenant, flow_id, kind) DO UPDATE SET runs = runs + 1
                """
            ).run(.integer(run.flowId), .integer(kind.rawValue), .text(tenant))
        }
        try connection.statement(
            """
            INSERT INTO flow_totals (tenant, flow_id, status, runs, records) VALUES (?4, ?1, ?2, 1, ?3)
            ON CONFLICT (tenant, flow_id, status) DO UPDATE SET runs = runs + 1,
                records = min(records + excluded.records, 9223372036854775807)
            """
        ).run(.integer(run.flowId), .text(run.status.rawValue), .integer(run.records ?? 0), .text(tenant))
        let duration = run.durationMilliseconds
        if let duration {
            try connection.statement(
                """
                INSERT INTO flow_duration_buckets (tenant, flow_id, bucket, runs, duration_ms) VALUES (?4, ?1, ?2, 1, ?3)
                ON CONFLICT (tenant, flow_id, bucket) DO UPDATE SET runs = runs + 1,
                    duration_ms = min(duration_ms + excluded.duration_ms, 9223372036854775807)
                """
            ).run(
                .integer(run.flowId), .integer(Int64(durationBuckets.index(milliseconds: duration))), .integer(duration),
                .text(tenant))
            try connection.statement(
                """
                INSERT INTO flow_native_buckets (tenant, flow_id, bucket, runs) VALUES (?3, ?1, ?2, 1)
                ON CONFLICT (tenant, flow_id, bucket) DO UPDATE SET runs = runs + 1
                """
            ).run(
                .integer(run.flowId), .integer(Self.nativeBucket(milliseconds: duration, schema: nativeSchema)),
                .text(tenant))
        }
        // A run that completed without an end time is filed at the moment it was seen completed.
        let end = run.ended ?? observedAt
        try connection.statement(
            """
            INSERT INTO flow_last (tenant, flow_id, end_ms, duration_ms, status) VALUES (?5, ?1, ?2, ?3, ?4)
            ON CONFLICT (tenant, flow_id) DO UPDATE SET end_ms = excluded.end_ms, duration_ms = excluded.duration_ms,
                status = excluded.status
            WHERE flow_last.end_ms IS NULL OR excluded.end_ms >= flow_last.end_ms
            """
        ).run(.integer(run.flowId), .integer(end), .optional(duration), .text(run.status.rawValue), .text(tenant))
        if run.status == .success {
            try connection.statement(
                """
                UPDATE flow_last SET success_end_ms = ?2
                WHERE tenant = ?3 AND flow_id = ?1 AND (success_end_ms IS NULL OR success_end_ms < ?2)
                """
            ).run(.integer(run.flowId), .integer(end), .text(tenant))
        }
    }

    public func openRuns(referencedBefore cutoff: Int64, limit: Int) throws -> [OpenRun] {
        let statement = try connection.statement(
            """
            SELECT audit_id, flow_id, created_ms, started_ms, coalesce(created_ms, started_ms) AS queued FROM runs
            WHERE tenant = ?3 AND state = 0 AND (queued IS NULL OR queued < ?1) ORDER BY queued LIMIT ?2
            """)
        try statement.bind(.integer(cutoff), .integer(Int64(limit)), .text(tenant))
        var result: [OpenRun] = []
        while try statement.step() {
            result.append(
                OpenRun(
                    auditId: statement.int(0), flowId: statement.int(1), created: statement.optionalInt(2),
                    started: statement.optionalInt(3)))
        }
        return result
    }

    public func abandonRun(auditId: Int64) throws {
        try connection.statement("UPDATE runs SET state = 2 WHERE tenant = ?2 AND audit_id = ?1 AND state = 0")
            .run(.integer(auditId), .text(tenant))
    }

    /// Per flow, when its oldest stored completed run started (or was queued, or ended),
    /// epoch ms: the evidence of how long a flow has gone without a success.
    /// Each flow's nearest-rank `p` percentile of run time (seconds) over the completed runs
    /// that ended since `since` (epoch ms), for flows with at least `minimumRuns` of them.
    public func runTimePercentiles(endedSince since: Int64, p: Double, minimumRuns: Int) throws -> [Int64: Double] {
        // The expression and the partial-index condition match `runs_completed_by_end`.
        let statement = try connection.statement(
            """
            SELECT flow_id, ended_ms - started_ms FROM runs
            WHERE state = 1 AND coalesce(ended_ms, updated_ms) >= ?1 AND started_ms IS NOT NULL AND ended_ms IS NOT NULL
                AND tenant = ?2
            """)
        try statement.bind(.integer(since), .text(tenant))
        defer { statement.reset() }
        var durations: [Int64: [Int64]] = [:]
        while try statement.step() { durations[statement.int(0), default: []].append(max(0, statement.int(1))) }
        var result: [Int64: Double] = [:]
        for (flow, var values) in durations where values.count >= minimumRuns {
            values.sort()
            let rank = max(1, Int((p * Double(values.count)).rounded(.up)))
            result[flow] = EpochMillis.seconds(values[rank - 1])
        }
        return result
    }

    public func firstCompletedRunStarts() throws -> [Int64: Int64] {
        try timeById(
            "SELECT flow_id, min(coalesce(started_ms, created_ms, ended_ms)) FROM runs WHERE tenant = ?1 AND state = 1 GROUP BY flow_id"
        )
    }

    /// Each flow's latest time a run was started (or queued), epoch ms; read from the index
    /// on start time alone, unlike `historyCursors`, which reads every run.
    public func latestStarts() throws -> [Int64: Int64] {
        try timeById("SELECT flow_id, max(coalesce(started_ms, created_ms)) FROM runs WHERE tenant = ?1 GROUP BY flow_id")
    }

    /// Sizes the page cache for a replay's reads (`pages`), or gives it back (nil). Runs are
    /// stored in the order they were polled, so a page holds runs of a few dozen flows at
    /// about one time, and a flow's month of runs lies on hundreds of pages: with room for
    /// them, the next flows' reads find most of their pages cached. SQLite's default (2 MiB)
    /// holds less than one flow's month of hourly runs, so every read went to the file.
    public func cacheForReplay(pages: Int?) throws {
        if usualCacheSize == nil { usualCacheSize = try connection.scalar("PRAGMA cache_size") }
        try connection.execute("PRAGMA cache_size = \(pages.map(Int64.init) ?? usualCacheSize ?? -2000)")
        if pages == nil { try connection.execute("PRAGMA shrink_memory") }
    }

    /// The page cache's size before a replay (`PRAGMA cache_size`: negative in KiB).
    private var usualCacheSize: Int64?

    /// A flow's runs queued or started at or after `since` (epoch ms), and its runs still
    /// open, for replaying SLA rules; read through the index on flow and start time.
    public func runTimes(flowId: Int64, since: Int64) throws -> [RunTimes] {
        let statement = try connection.statement(
            """
            SELECT created_ms, started_ms, CASE WHEN state = 1 THEN coalesce(ended_ms, updated_ms) END, status, event_id
            FROM runs WHERE tenant = ?3 AND flow_id = ?1 AND (coalesce(started_ms, created_ms) >= ?2 OR state = 0)
            """)
        try statement.bind(.integer(flowId), .integer(since), .text(tenant))
        var runs: [RunTimes] = []
        while try statement.step() {
            runs.append(
                RunTimes(
                    created: statement.optionalInt(0), started: statement.optionalInt(1), ended: statement.optionalInt(2),
                    status: RunStatus(rawValue: statement.text(3) ?? "") ?? .unknown, eventId: statement.optionalInt(4)))
        }
        return runs
    }

    /// When the oldest stored run was queued or started, epoch ms.
    public func oldestRunStart() throws -> Int64? {
        let statement = try connection.statement("SELECT min(coalesce(started_ms, created_ms)) FROM runs WHERE tenant = ?1")
        try statement.bind(.text(tenant))
        defer { statement.reset() }
        return try statement.step() ? statement.optionalInt(0) : nil
    }

    /// Per schedule (`eventId`), the latest time a run it fired was started (or queued), epoch ms.
    public func latestScheduledStarts() throws -> [Int64: Int64] {
        try timeById(
            """
            SELECT event_id, max(coalesce(started_ms, created_ms)) FROM runs
            WHERE tenant = ?1 AND event_id IS NOT NULL GROUP BY event_id
            """)
    }

    /// Rows of (id, time), a flow or a schedule, as a map; rows without a time left out.
    /// `sql` takes the tenant as ?1.
    private func timeById(_ sql: String) throws -> [Int64: Int64] {
        let statement = try connection.statement(sql)
        try statement.bind(.text(tenant))
        var result: [Int64: Int64] = [:]
        while try statement.step() {
            if let time = statement.optionalInt(1) { result[statement.int(0)] = time }
        }
        return result
    }

    public func historyCursors() throws -> [Int64: HistoryCursor] {
        let statement = try connection.statement(
            """
            SELECT flow_id, max(coalesce(started_ms, created_ms)),
                   min(CASE WHEN state = 0 THEN coalesce(started_ms, created_ms) END)
            FROM runs WHERE tenant = ?1 GROUP BY flow_id
            """)
        try statement.bind(.text(tenant))
        var result: [Int64: HistoryCursor] = [:]
        while try statement.step() {
            result[statement.int(0)] = HistoryCursor(latest: statement.optionalInt(1), oldestOpen: statement.optionalInt(2))
        }
        return result
    }

    // MARK: Flows

    public func replaceFlows(_ flows: [Flow], removeMissing: Bool) throws -> Int {
        try connection.transaction {
            let generation = (try Self.readMeta(connection, tenantKey("flow_generation")).flatMap { Int64($0) } ?? 0) + 1
            let upsert = try connection.statement(
                """
                INSERT INTO flows (id, name, flow_type, tags, listed, deleted, generation, tenant)
                VALUES (?1, ?2, ?3, ?4, 1, 0, ?5, ?6)
                ON CONFLICT (tenant, id) DO UPDATE SET name = excluded.name, flow_type = excluded.flow_type,
                    tags = excluded.tags, listed = 1, deleted = 0, generation = excluded.generation
                """)
            for flow in flows {
                let tags =
                    (try? JSONSerialization.data(withJSONObject: flow.tags)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
                try upsert.run(
                    .integer(flow.id), .text(flow.name), .optional(flow.flowType), .text(tags), .integer(generation),
                    .text(tenant))
            }
            var deleted: Int64 = 0
            if removeMissing {
                try connection.statement("UPDATE flows SET deleted = 1 WHERE tenant = ?2 AND generation != ?1 AND deleted = 0")
                    .run(.integer(generation), .text(tenant))
                deleted = try connection.scalar("SELECT changes()") ?? 0
            }
            try Self.writeMeta(connection, tenantKey("flow_generation"), String(generation))
            return Int(deleted)
        }
    }

    private var metricsReads: Int64 = 0

    public func numberedFlowMetrics() throws -> (sequence: Int64, flows: [FlowMetrics]) {
        let flows = try flowMetrics()
        metricsReads += 1
        return (metricsReads, flows)
    }

    public func flowMetrics() throws -> [FlowMetrics] {
        var byId: [Int64: FlowMetrics] = [:]
        let flows = try tenantStatement("SELECT id, name, flow_type, tags FROM flows WHERE tenant = ?1 AND deleted = 0")
        while try flows.step() {
            let tags = flows.text(3).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String] } ?? []
            let record = FlowRecord(id: flows.int(0), name: flows.text(1) ?? "", flowType: flows.text(2), tags: tags)
            byId[record.id] = FlowMetrics(flow: record, durationBuckets: durationBuckets.count)
        }
        let totals = try tenantStatement("SELECT flow_id, status, runs, records FROM flow_totals WHERE tenant = ?1")
        while try totals.step() {
            let id = totals.int(0)
            guard byId[id] != nil else { continue }
            let status = RunStatus(rawValue: totals.text(1) ?? "") ?? .unknown
            byId[id]!.completedRuns[status] = byId[id]!.completedRuns[status, default: 0].addingSaturated(totals.int(2))
            byId[id]!.recordsProcessed = byId[id]!.recordsProcessed.addingSaturated(totals.int(3))
        }
        let buckets = try tenantStatement(
            "SELECT flow_id, bucket, runs, duration_ms FROM flow_duration_buckets WHERE tenant = ?1")
        while try buckets.step() {
            let id = buckets.int(0)
            let bucket = Int(buckets.int(1))
            guard byId[id] != nil, bucket >= 0, bucket < durationBuckets.count else { continue }
            byId[id]!.durationBucketCounts[bucket] = byId[id]!.durationBucketCounts[bucket].addingSaturated(
                UInt64(max(0, buckets.int(2))))
            byId[id]!.durationSumSeconds += EpochMillis.seconds(buckets.int(3))
        }
        let native = try tenantStatement("SELECT flow_id, bucket, runs FROM flow_native_buckets WHERE tenant = ?1")
        while try native.step() {
            let id = native.int(0)
            guard byId[id] != nil else { continue }
            let (bucket, runs) = (native.int(1), UInt64(max(0, native.int(2))))
            // Changed in place: a copy taken out and put back copies its buckets at every row.
            if byId[id]!.nativeDuration == nil { byId[id]!.nativeDuration = NativeHistogram(schema: nativeSchema) }
            if bucket == Self.nativeZeroBucket {
                byId[id]!.nativeDuration!.zeroCount += runs
            } else {
                byId[id]!.nativeDuration!.counts[Int(bucket), default: 0] += runs
            }
        }
        let kinds = try tenantStatement("SELECT flow_id, kind, runs FROM flow_run_kinds WHERE tenant = ?1")
        while try kinds.step() {
            let id = kinds.int(0)
            guard byId[id] != nil, let kind = RunKind(rawValue: kinds.int(1)) else { continue }
            byId[id]!.completedRunsByKind[kind] = byId[id]!.completedRunsByKind[kind, default: 0].addingSaturated(kinds.int(2))
        }
        let last = try tenantStatement(
            "SELECT flow_id, end_ms, duration_ms, status, success_end_ms FROM flow_last WHERE tenant = ?1")
        while try last.step() {
            let id = last.int(0)
            guard byId[id] != nil else { continue }
            byId[id]!.lastEnd = last.optionalInt(1)
            byId[id]!.lastDurationSeconds = last.optionalInt(2).map { EpochMillis.seconds($0) }
            byId[id]!.lastStatus = last.text(3).map { RunStatus(rawValue: $0) ?? .unknown }
            byId[id]!.lastSuccessEnd = last.optionalInt(4)
        }
        let open = try tenantStatement(
            """
            SELECT flow_id, status, count(*), min(started_ms), min(coalesce(created_ms, started_ms)),
                   max(coalesce(started_ms, created_ms))
            FROM runs WHERE tenant = ?1 AND state = 0 GROUP BY flow_id, status
            """)
        while try open.step() {
            let id = open.int(0)
            guard byId[id] != nil else { continue }
            if let newest = open.optionalInt(5) { byId[id]!.newestOpenStart = max(byId[id]!.newestOpenStart ?? newest, newest) }
            if open.text(1) == RunStatus.canceled.rawValue {
                byId[id]!.stopping = byId[id]!.stopping.addingSaturated(open.int(2))
            } else if open.text(1) == RunStatus.queued.rawValue {
                byId[id]!.queued = byId[id]!.queued.addingSaturated(open.int(2))
                if let created = open.optionalInt(4) {
                    byId[id]!.oldestQueuedCreated = min(byId[id]!.oldestQueuedCreated ?? created, created)
                }
            } else {
                byId[id]!.running = byId[id]!.running.addingSaturated(open.int(2))
                if let start = open.optionalInt(3) {
                    byId[id]!.oldestRunningStart = min(byId[id]!.oldestRunningStart ?? start, start)
                }
            }
        }
        return byId.values.sorted { $0.flow.id < $1.flow.id }
    }

    /// A statement whose ?1 is bound to this store's tenant.
    private func tenantStatement(_ sql: String) throws -> SQLiteStatement {
        let statement = try connection.statement(sql)
        try statement.bind(.text(tenant))
        return statement
    }

    // MARK: Meta

    /// A stored setting of this tenant (each tenant polls with its own cursors).
    public func meta(_ key: String) throws -> String? {
        try Self.readMeta(connection, tenantKey(key))
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try Self.writeMeta(connection, tenantKey(key), value)
    }

    static func readMeta(_ connection: SQLiteConnection, _ key: String) throws -> String? {
        let statement = try connection.statement("SELECT value FROM meta WHERE key = ?1")
        try statement.bind(.text(key))
        defer { statement.reset() }
        return try statement.step() ? statement.text(0) : nil
    }

    static func writeMeta(_ connection: SQLiteConnection, _ key: String, _ value: String) throws {
        try connection.statement(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        .run(.text(key), .text(value))
    }

    public func sizeBytes() -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
    }

    // MARK: Maintenance

    /// Recomputes every aggregate from the stored runs.
    static func rebuildAggregates(_ connection: SQLiteConnection, _ durationBuckets: DurationBuckets = .standard) throws {
        try connection.execute("DELETE FROM flow_totals; DELETE FROM flow_last;")
        try connection.execute(
            """
            INSERT INTO flow_totals (tenant, flow_id, status, runs, records)
                SELECT tenant, flow_id, status, count(*), CAST(min(total(records), 9223372036854775807) AS INTEGER)
                FROM runs WHERE state = 1 GROUP BY tenant, flow_id, status;
            INSERT INTO flow_last (tenant, flow_id, end_ms, duration_ms, status)
                SELECT tenant, flow_id, coalesce(ended_ms, updated_ms), ended_ms - started_ms, status FROM runs r
                WHERE state = 1 AND audit_id = (SELECT audit_id FROM runs x
                                                WHERE x.tenant = r.tenant AND x.flow_id = r.flow_id AND x.state = 1
                                                ORDER BY coalesce(ended_ms, updated_ms) DESC LIMIT 1);
            UPDATE flow_last SET success_end_ms = (SELECT max(coalesce(ended_ms, updated_ms)) FROM runs
                WHERE runs.tenant = flow_last.tenant AND runs.flow_id = flow_last.flow_id AND state = 1
                    AND status = 'success');
            """)
        try recountDurationBuckets(connection, durationBuckets)
        try recountNativeBuckets(
            connection, schema: try readMeta(connection, "native_schema").flatMap { Int($0) } ?? NativeHistogram.defaultSchema)
    }

    /// The stored key of the native bucket of a duration (the zero bucket's: `nativeZeroBucket`).
    static func nativeBucket(milliseconds: Int64, schema: Int) -> Int64 {
        NativeHistogram.bucket(of: EpochMillis.seconds(milliseconds), schema: schema).map(Int64.init) ?? nativeZeroBucket
    }

    static let nativeZeroBucket = Int64.min

    /// Recounts the native-histogram buckets from the stored runs, at `schema`.
    static func recountNativeBuckets(_ connection: SQLiteConnection, schema: Int) throws {
        try connection.execute("DELETE FROM flow_native_buckets;")
        var buckets: [TenantFlow: [Int64: Int64]] = [:]
        try forEachStoredDuration(connection) { flow, duration in
            buckets[flow, default: [:]][nativeBucket(milliseconds: duration, schema: schema), default: 0] += 1
        }
        let insert = try connection.statement(
            "INSERT INTO flow_native_buckets (tenant, flow_id, bucket, runs) VALUES (?1, ?2, ?3, ?4)")
        for (flow, perBucket) in buckets {
            for (bucket, runs) in perBucket {
                try insert.run(.text(flow.tenant), .integer(flow.id), .integer(bucket), .integer(runs))
            }
        }
    }

    /// A flow of a tenant: flow ids of tenants overlap.
    private struct TenantFlow: Hashable {
        var tenant: String
        var id: Int64
    }

    /// Each stored completed run's flow and run time (ms), for the histograms' recounts.
    private static func forEachStoredDuration(_ connection: SQLiteConnection, _ body: (TenantFlow, Int64) -> Void) throws {
        let select = try connection.statement(
            """
            SELECT tenant, flow_id, ended_ms - started_ms FROM runs
            WHERE state = 1 AND started_ms IS NOT NULL AND ended_ms IS NOT NULL AND ended_ms >= started_ms
            """)
        while try select.step() { body(TenantFlow(tenant: select.text(0) ?? "", id: select.int(1)), select.int(2)) }
    }

    /// Recounts the run-duration histogram from the stored runs, in `durationBuckets`.
    static func recountDurationBuckets(_ connection: SQLiteConnection, _ durationBuckets: DurationBuckets) throws {
        try connection.execute("DELETE FROM flow_duration_buckets;")
        var buckets: [TenantFlow: [Int: (runs: Int64, duration: Int64)]] = [:]
        try forEachStoredDuration(connection) { flow, duration in
            let index = durationBuckets.index(milliseconds: duration)
            let current = buckets[flow, default: [:]][index] ?? (0, 0)
            // Sentinel end dates make durations near Int64.max: the sum saturates, never traps.
            buckets[flow, default: [:]][index] = (current.runs + 1, current.duration.addingSaturated(duration))
        }
        let insert = try connection.statement(
            "INSERT INTO flow_duration_buckets (tenant, flow_id, bucket, runs, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5)")
        for (flow, perBucket) in buckets {
            for (index, value) in perBucket {
                try insert.run(
                    .text(flow.tenant), .integer(flow.id), .integer(Int64(index)), .integer(value.runs),
                    .integer(value.duration))
            }
        }
    }
}
