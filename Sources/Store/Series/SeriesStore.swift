import Foundation
import SQLiteDatabase

/// Writes time series into the exporter's database: the changes of each series' value and
/// the times of each poll, the 5m/1h/1d rollups built from them in the background, and the
/// deletion of rows past their retention.
///
/// It holds its own connection to the file (the run store holds another); every write is
/// one short transaction, so a crash leaves either all of a batch or none of it.
public actor SeriesStore {
    private let connection: SQLiteConnection
    /// A thread of its own: SQLite blocks, and must not block Swift's cooperative pool.
    private nonisolated let executor = SQLiteExecutor(name: "sqlite-series")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    deinit { executor.stop() }
    public nonisolated let path: String
    /// Series ids by key; loaded at open, so a sample costs no lookup.
    private var ids: [SeriesKey: Int64] = [:]
    private var kinds: [Int64: SeriesKind] = [:]
    private var groups: [Int64: String] = [:]
    /// The value each live series holds now (its latest change), and the live series of
    /// each group: a series missing from its group's poll has ended.
    private var held: [Int64: Double] = [:]
    private var live: [String: Set<Int64>] = [:]
    /// The newest poll recorded of each group: a poll is never stored at or before it.
    private var newestPoll: [String: Int64] = [:]
    /// Polls stamped later than the clock said, because it had gone back.
    public private(set) var backwardSteps = 0

    /// How long after a 5-minute bucket ends it is rolled up, for polls still in flight.
    public static let rollupGrace: Int64 = 60

    /// Opens (or creates) the database at `path`, migrating it like the run store does.
    /// `verify`: run SQLite's quick integrity check on the file first (see `DatabaseFile.open`).
    public init(path: String, verify: Bool = true) throws {
        self.path = path
        connection = try DatabaseFile.open(path: path, verify: verify)
        // Checkpoints (each an fsync) after 32 MiB of WAL instead of 4: a catch-up rollup
        // writes several MiB per transaction. The WAL is cut back to that size afterwards.
        try connection.execute("PRAGMA wal_autocheckpoint = 8192; PRAGMA journal_size_limit = 33554432")
        let list = try connection.statement("SELECT id, name, labels, kind, grp FROM series")
        let latest = try connection.statement("SELECT value FROM samples WHERE series_id = ?1 ORDER BY ts DESC LIMIT 1")
        while try list.step() {
            let id = list.int(0)
            guard let labels = SeriesKey.labels(fromCanonical: list.text(2) ?? "") else { continue }
            ids[SeriesKey(list.text(1) ?? "", labels)] = id
            kinds[id] = SeriesKind(rawValue: list.int(3)) ?? .gauge
            let group = list.text(4) ?? ""
            groups[id] = group
            latest.bind(1, id)
            if try latest.step(), let value = latest.optionalDouble(0) {
                held[id] = value
                live[group, default: []].insert(id)
            }
            latest.reset()
        }
        let polls = try connection.statement("SELECT grp, max(ts) FROM polls GROUP BY grp")
        while try polls.step() { newestPoll[polls.text(0) ?? ""] = polls.int(1) }
        polls.reset()
    }

    public func close() { connection.close() }

    /// Caps the file at `pages` pages, so writes fail as on a full disk (for tests).
    func limitPages(_ pages: Int64) throws {
        _ = try connection.scalar("PRAGMA max_page_count = \(pages)")
    }

    // MARK: Samples

    /// Records one poll of `group` at `timestamp` (epoch seconds) that saw `samples`, in one
    /// transaction: the poll's time, a row for each value that changed, and an end marker
    /// for each series of the group the poll no longer saw. NaN and infinities, which JSON
    /// cannot carry, are skipped. Returns the number of rows written.
    ///
    /// A wall clock that went back would file the poll before the group's newest one, where
    /// it would overwrite a sample, or fall behind a rollup watermark and never be rolled up:
    /// it is stamped one second after the newest poll instead (counted in `backwardSteps`).
    @discardableResult
    public func append(_ samples: [Sample], group: String, at clockTime: Int64) throws -> Int {
        var timestamp = clockTime
        if let newest = newestPoll[group], timestamp <= newest { timestamp = newest + 1 }
        var changes: [(id: Int64, value: Double?)] = []
        var seen = Set<Int64>()
        seen.reserveCapacity(samples.count)
        // Series created in this transaction: cached only once it commits. A rolled-back id
        // is handed out again by SQLite, and a cache that kept it would merge two series.
        var created: [SeriesKey: CreatedSeries] = [:]
        let written = try connection.transaction {
            for sample in samples where sample.value.isFinite {
                let id = try seriesId(sample.key, kind: sample.kind, group: group, created: &created)
                guard seen.insert(id).inserted else { continue }
                if held[id] != sample.value { changes.append((id, sample.value)) }
            }
            for id in live[group] ?? [] where !seen.contains(id) { changes.append((id, nil)) }
            try connection.statement("INSERT OR IGNORE INTO polls (ts, grp) VALUES (?1, ?2)").run(
                .integer(timestamp), .text(group))
            let insert = try connection.statement("INSERT OR REPLACE INTO samples (series_id, ts, value) VALUES (?1, ?2, ?3)")
            for change in changes {
                insert.bind(1, change.id)
                insert.bind(2, timestamp)
                insert.bind(3, change.value)
                try insert.executeBound()
            }
            return changes.count
        }
        // Remembered only once COMMIT succeeded: after a failed batch the next poll writes it all.
        if timestamp != clockTime { backwardSteps += 1 }
        newestPoll[group] = timestamp
        for (key, series) in created {
            ids[key] = series.id
            kinds[series.id] = series.kind
            groups[series.id] = series.group
        }
        for change in changes {
            held[change.id] = change.value
            if change.value == nil { live[group]?.remove(change.id) } else { live[group, default: []].insert(change.id) }
        }
        return written
    }

    private struct CreatedSeries {
        var id: Int64
        var kind: SeriesKind
        var group: String
    }

    private func seriesId(
        _ key: SeriesKey, kind: SeriesKind, group: String, created: inout [SeriesKey: CreatedSeries]
    ) throws -> Int64 {
        if let id = ids[key] ?? created[key]?.id { return id }
        let labels = key.canonicalLabels
        try connection.statement("INSERT OR IGNORE INTO series (name, labels, kind, grp) VALUES (?1, ?2, ?3, ?4)")
            .run(.text(key.name), .text(labels), .integer(kind.rawValue), .text(group))
        let select = try connection.statement("SELECT id, kind, grp FROM series WHERE name = ?1 AND labels = ?2")
        try select.bind(.text(key.name), .text(labels))
        defer { select.reset() }
        guard try select.step() else { throw connection.error(0, "series \(key.name) vanished while being created") }
        let id = select.int(0)
        created[key] = CreatedSeries(id: id, kind: SeriesKind(rawValue: select.int(1)) ?? kind, group: select.text(2) ?? group)
        return id
    }

    // MARK: Rollups

    /// Advances the rollup tiers up to `now`, at most `maxChunks` transactions in all, and
    /// returns whether work remains. Each chunk writes its buckets and moves the tier's
    /// watermark in one transaction: after a crash the chunk is redone whole, so no bucket
    /// is counted twice and none is skipped.
    public func rollUp(now: Int64, maxChunks: Int = 24) throws -> Bool {
        var chunks = 0
        for tier in [RollupTier.fiveMinutes, .hour, .day] {
            guard var watermark = try watermark(of: tier) ?? initialWatermark(of: tier) else { continue }
            let ready = try readyUntil(tier, now: now)
            while watermark < ready {
                if chunks == maxChunks { return true }
                // Catching up, chunks end on a day boundary, so the next ones start on one.
                let target = watermark + Self.chunkSpan(tier)
                let day = RollupTier.day.bucket(of: target)
                let end = min(ready, day > watermark ? day : target)
                try connection.transaction {
                    if tier == .fiveMinutes {
                        try rollUpChanges(from: watermark, to: end)
                    } else {
                        try rollUpBuckets(tier, from: watermark, to: end)
                    }
                    try SQLiteRunStore.writeMeta(connection, tier.watermarkKey, String(end))
                }
                watermark = end
                chunks += 1
            }
        }
        return false
    }

    /// Every bucket of `tier` starting before the result is complete; nil before the first.
    public func watermark(of tier: RollupTier) throws -> Int64? {
        try SQLiteRunStore.readMeta(connection, tier.watermarkKey).flatMap { Int64($0) }
    }

    /// Where a tier starts: the bucket of the first poll.
    private func initialWatermark(of tier: RollupTier) throws -> Int64? {
        try connection.scalar("SELECT min(ts) FROM polls").map { tier.bucket(of: $0) }
    }

    /// How far `tier` may be rolled up: 5-minute buckets once they ended (plus a grace for
    /// polls in flight), coarser ones once the tier below covers them.
    private func readyUntil(_ tier: RollupTier, now: Int64) throws -> Int64 {
        guard let source = tier.source, source != .raw else {
            // Never past the bucket of the newest poll: a clock that jumped ahead must not move
            // the watermark beyond the data (polls stamped later would then never be rolled up,
            // and retention, which keeps raw rows only until they are rolled up, would drop them).
            guard let newest = newestPoll.values.max() else { return Int64.min }
            return min(tier.bucket(of: now - Self.rollupGrace), tier.bucket(of: newest))
        }
        guard let below = try watermark(of: source) else { return Int64.min }
        return tier.bucket(of: below)
    }

    /// The span rolled up per transaction, when catching up: each transaction rewrites the
    /// last page of every series that changed, so longer spans write less (a day in one
    /// transaction: 2.2 s for 2,000 flows, against 2.5 s in six-hour steps). In steady state
    /// a rollup covers the one bucket that just ended.
    static func chunkSpan(_ tier: RollupTier) -> Int64 {
        switch tier {
        case .raw, .fiveMinutes: return 86400
        case .hour: return 86400
        case .day: return 30 * 86400
        }
    }

    /// Changes and polls into 5-minute buckets: a row for each bucket of each series that
    /// holds a change, and the number of polls of each group per bucket.
    ///
    /// When the hourly (and daily) tier stands where the chunk starts, the whole hours (and
    /// days) of the chunk are rolled up from the 5-minute buckets while they are at hand,
    /// instead of being read back by the next tier: a catch-up reads each row once.
    private func rollUpChanges(from: Int64, to: Int64) throws {
        let tier = RollupTier.fiveMinutes
        let hourStart = try watermark(of: .hour) ?? initialWatermark(of: .hour)
        let dayStart = try watermark(of: .day) ?? initialWatermark(of: .day)
        let hourTo = hourStart == from ? RollupTier.hour.bucket(of: to) : from
        let dayTo = hourTo > from && dayStart == from ? RollupTier.day.bucket(of: hourTo) : from
        var polls: [String: [Int64]] = [:]
        let pollRows = try connection.statement("SELECT ts, grp FROM polls WHERE ts >= ?1 AND ts < ?2 ORDER BY ts")
        try pollRows.bind(.integer(from), .integer(to))
        while try pollRows.step() { polls[pollRows.text(1) ?? "", default: []].append(pollRows.int(0)) }
        pollRows.reset()
        var counts: [String: [Int64: Int64]] = [:]
        for (group, times) in polls {
            for time in times { counts[group, default: [:]][tier.bucket(of: time), default: 0] += 1 }
        }
        try writeGroupPolls(tier, counts)
        let hourCounts = hourTo > from ? try fold(counts, into: .hour, from: from, to: hourTo) : [:]
        let dayCounts = dayTo > from ? try fold(counts, into: .day, from: from, to: dayTo) : [:]
        let finePollCounts = counts.mapValues { HeldValues.PollCounts($0, from: from, to: hourTo) }
        let hourPollCounts = hourCounts.mapValues { HeldValues.PollCounts($0, from: from, to: dayTo) }
        let noPolls = HeldValues.PollCounts([:], from: from, to: from)

        let rows = try connection.statement(
            """
            SELECT s.id, x.ts, x.value FROM series s JOIN samples x ON x.series_id = s.id AND x.ts >= ?1 AND x.ts < ?2
            ORDER BY s.id, x.ts
            """)
        try rows.bind(.integer(from), .integer(to))
        try forEachSeries(rows, { (timestamp: $0.int(1), value: $0.optionalDouble(2)) }) { series, changes in
            let held = try SeriesRows.held(connection, series, in: .raw, before: from)
            let group = groups[series] ?? ""
            let kind = try kind(of: series)
            let entries = HeldValues.changedBuckets(
                polls[group] ?? [], changes: changes, held: held, kind: kind,
                width: tier.seconds)
            try write(tier, series, entries)
            guard hourTo > from else { return }
            let hours = HeldValues.fromBuckets(
                entries.filter { $0.start < hourTo }, pollCounts: finePollCounts[group] ?? noPolls,
                from: from, to: hourTo, held: held, kind: kind,
                width: 3600
            ).entries.filter(\.stored)
            try write(.hour, series, hours)
            guard dayTo > from else { return }
            let days = HeldValues.fromBuckets(
                hours.filter { $0.start < dayTo }, pollCounts: hourPollCounts[group] ?? noPolls,
                from: from, to: dayTo, held: held, kind: kind,
                width: 86400
            ).entries.filter(\.stored)
            try write(.day, series, days)
        }
        if hourTo > from { try SQLiteRunStore.writeMeta(connection, RollupTier.hour.watermarkKey, String(hourTo)) }
        if dayTo > from { try SQLiteRunStore.writeMeta(connection, RollupTier.day.watermarkKey, String(dayTo)) }
    }

    /// Poll counts of finer buckets summed into `tier`'s buckets in [from, to), and stored.
    private func fold(
        _ counts: [String: [Int64: Int64]], into tier: RollupTier, from: Int64,
        to: Int64
    ) throws -> [String: [Int64: Int64]] {
        var folded: [String: [Int64: Int64]] = [:]
        for (group, perBucket) in counts {
            for (bucket, count) in perBucket where bucket >= from && bucket < to {
                folded[group, default: [:]][tier.bucket(of: bucket), default: 0] += count
            }
        }
        try writeGroupPolls(tier, folded)
        return folded
    }

    /// Finer buckets into coarser ones, for the series with a stored finer bucket in the
    /// span; the others hold their value, which the coarser tier needs no row for.
    private func rollUpBuckets(_ tier: RollupTier, from: Int64, to: Int64) throws {
        let source = tier.source!
        var fineCounts: [String: [Int64: Int64]] = [:]
        let pollRows = try connection.statement(
            "SELECT bucket, grp, count FROM group_polls WHERE tier = ?1 AND bucket >= ?2 AND bucket < ?3")
        try pollRows.bind(.text(source.rawValue), .integer(from), .integer(to))
        while try pollRows.step() { fineCounts[pollRows.text(1) ?? "", default: [:]][pollRows.int(0)] = pollRows.int(2) }
        pollRows.reset()
        _ = try fold(fineCounts, into: tier, from: from, to: to)

        let pollCounts = fineCounts.mapValues { HeldValues.PollCounts($0, from: from, to: to) }
        let none = HeldValues.PollCounts([:], from: from, to: to)
        let rows = try connection.statement(
            """
            SELECT s.id, r.bucket, r.count, r.sum, r.min, r.max, r.last, r.increase, r.live
            FROM series s JOIN \(source.table) r ON r.series_id = s.id AND r.bucket >= ?1 AND r.bucket < ?2
            ORDER BY s.id, r.bucket
            """)
        try rows.bind(.integer(from), .integer(to))
        try forEachSeries(rows, { SeriesRows.entry($0, offset: 1) }) { series, rowsOfSeries in
            let held = try SeriesRows.held(connection, series, in: source, before: from)
            let (entries, _) = HeldValues.fromBuckets(
                rowsOfSeries, pollCounts: pollCounts[groups[series] ?? ""] ?? none,
                from: from, to: to, held: held,
                kind: try kind(of: series), width: tier.seconds)
            try write(tier, series, entries.filter(\.stored))
        }
    }

    /// Steps through `rows`, whose first column is a series id and which are ordered by it,
    /// and hands each series' rows, decoded, to `body`.
    private func forEachSeries<Row>(
        _ rows: SQLiteStatement, _ decode: (SQLiteStatement) -> Row,
        _ body: (Int64, [Row]) throws -> Void
    ) throws {
        defer { rows.reset() }
        var current: Int64?
        var batch: [Row] = []
        while try rows.step() {
            let series = rows.int(0)
            if series != current {
                if let current { try body(current, batch) }
                current = series
                batch.removeAll(keepingCapacity: true)
            }
            batch.append(decode(rows))
        }
        if let current { try body(current, batch) }
    }

    private func write(_ tier: RollupTier, _ series: Int64, _ entries: [HeldValues.Entry]) throws {
        let insert = try connection.statement(
            """
            INSERT OR REPLACE INTO \(tier.table) (series_id, bucket, count, sum, min, max, last, increase, live)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        for entry in entries {
            let values = entry.values
            insert.bind(1, series)
            insert.bind(2, entry.start)
            insert.bind(3, values?.count ?? 0)
            insert.bind(4, values?.sum ?? 0)
            insert.bind(5, values?.min ?? 0)
            insert.bind(6, values?.max ?? 0)
            insert.bind(7, entry.held ?? values?.last ?? 0)
            insert.bind(8, values?.increase)
            insert.bind(9, entry.held == nil ? 0 : 1)
            try insert.executeBound()
        }
    }

    private func writeGroupPolls(_ tier: RollupTier, _ counts: [String: [Int64: Int64]]) throws {
        let insert = try connection.statement(
            "INSERT OR REPLACE INTO group_polls (tier, bucket, grp, count) VALUES (?1, ?2, ?3, ?4)")
        for (group, perBucket) in counts {
            for (bucket, count) in perBucket {
                try insert.run(.text(tier.rawValue), .integer(bucket), .text(group), .integer(count))
            }
        }
    }

    private func kind(of series: Int64) throws -> SeriesKind {
        if let kind = kinds[series] { return kind }
        let kind = SeriesKind(rawValue: try connection.scalar("SELECT kind FROM series WHERE id = \(series)") ?? 0) ?? .gauge
        kinds[series] = kind
        return kind
    }

    // MARK: Retention

    /// Deletes rows past their tier's retention for up to `batch` series after
    /// `afterSeries`, in one short transaction, keeping each series' latest row before the
    /// cutoff: it holds the value the series still has. Rows the next tier has not rolled
    /// up yet stay, whatever the retention says. Returns the rows deleted and the series to
    /// continue after, nil when every series was visited.
    public func deleteExpired(
        now: Int64, policy: RetentionPolicy, afterSeries: Int64,
        batch: Int = 500
    ) throws -> (deleted: Int, next: Int64?) {
        var cutoffs: [(RollupTier, Int64)] = []
        for tier in RollupTier.allCases {
            var cutoff = now - policy.retention(of: tier)
            if let next = RollupTier.allCases.first(where: { $0.source == tier }) {
                guard let rolled = try watermark(of: next) else { continue }
                cutoff = min(cutoff, rolled)
            }
            cutoffs.append((tier, cutoff))
        }
        let list = try connection.statement("SELECT id FROM series WHERE id > ?1 ORDER BY id LIMIT ?2")
        try list.bind(.integer(afterSeries), .integer(Int64(batch)))
        var seriesIds: [Int64] = []
        while try list.step() { seriesIds.append(list.int(0)) }
        list.reset()
        let result = try connection.transaction {
            var deleted = 0
            for (tier, cutoff) in cutoffs {
                let column = tier == .raw ? "ts" : "bucket"
                let delete = try connection.statement(
                    """
                    DELETE FROM \(tier.table) WHERE series_id = ?1
                    AND \(column) < (SELECT max(\(column)) FROM \(tier.table) WHERE series_id = ?1 AND \(column) < ?2)
                    """)
                for id in seriesIds {
                    delete.bind(1, id)
                    delete.bind(2, cutoff)
                    try delete.executeBound()
                    deleted += Int(try connection.scalar("SELECT changes()") ?? 0)
                }
                if afterSeries == 0 {
                    // Poll records go with the first batch; they are few.
                    if tier == .raw {
                        try connection.statement("DELETE FROM polls WHERE ts < ?1").run(.integer(cutoff))
                    } else {
                        try connection.statement("DELETE FROM group_polls WHERE tier = ?1 AND bucket < ?2")
                            .run(.text(tier.rawValue), .integer(cutoff))
                    }
                }
            }
            let ended = try deleteEnded(seriesIds, cutoffs: cutoffs)
            return (deleted + ended.rows, ended.series, seriesIds.count < batch ? nil : seriesIds.last)
        }
        // Forgotten once the deletion committed; a series that comes back gets a new row.
        let gone = Set(result.1)
        if !gone.isEmpty {
            ids = ids.filter { !gone.contains($0.value) }
            for id in gone {
                kinds[id] = nil
                groups[id] = nil
            }
        }
        return (result.0, result.2)
    }

    /// Deletes, with their rows, the series that ended and whose every row in every tier is
    /// past its cutoff: what is left holds no value any query could still show. A series
    /// that comes back later is created anew. Returns the rows and the series deleted.
    private func deleteEnded(_ seriesIds: [Int64], cutoffs: [(RollupTier, Int64)]) throws -> (rows: Int, series: [Int64]) {
        guard cutoffs.count == RollupTier.allCases.count else { return (0, []) } // a tier not rolled up yet
        var deleted = 0
        var forgotten: [Int64] = []
        for id in seriesIds where held[id] == nil {
            var expired = true
            for (tier, cutoff) in cutoffs where expired {
                let column = tier == .raw ? "ts" : "bucket"
                let newest = try connection.statement("SELECT max(\(column)) FROM \(tier.table) WHERE series_id = ?1")
                newest.bind(1, id)
                if try newest.step(), let time = newest.optionalInt(0), time >= cutoff { expired = false }
                newest.reset()
            }
            guard expired else { continue }
            for tier in RollupTier.allCases {
                let delete = try connection.statement("DELETE FROM \(tier.table) WHERE series_id = ?1")
                delete.bind(1, id)
                try delete.executeBound()
                deleted += Int(try connection.scalar("SELECT changes()") ?? 0)
            }
            let delete = try connection.statement("DELETE FROM series WHERE id = ?1")
            delete.bind(1, id)
            try delete.executeBound()
            forgotten.append(id)
        }
        return (deleted, forgotten)
    }
}
