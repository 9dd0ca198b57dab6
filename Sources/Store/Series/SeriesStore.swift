import Foundation

/// Writes time series into the exporter's database: raw samples, the 5m/1h/1d rollups built
/// from them in the background, and the deletion of rows past their retention.
///
/// It holds its own connection to the file (the run store holds another); every write is
/// one short transaction, so a crash leaves either all of a batch or none of it.
public actor SeriesStore {
    private let connection: SQLiteConnection
    public nonisolated let path: String
    /// Series ids by name and canonical labels; loaded at open, so a sample costs no lookup.
    private var ids: [String: Int64] = [:]
    private var kinds: [Int64: SeriesKind] = [:]
    /// The value, 5-minute bucket and time of the row last written per series: an unchanged
    /// value gets a new row only in a new bucket, so every bucket a series was seen in has one.
    private var lastWritten: [Int64: (value: Double, bucket: Int64, timestamp: Int64)] = [:]

    /// How long after a 5-minute bucket ends it is rolled up, for samples still in flight.
    public static let rollupGrace: Int64 = 60

    /// Opens (or creates) the database at `path`, migrating it like the run store does.
    public init(path: String) throws {
        self.path = path
        connection = try DatabaseFile.open(path: path)
        let list = try connection.statement("SELECT id, name, labels, kind FROM series")
        while try list.step() {
            let id = list.int(0)
            ids[Self.cacheKey(list.text(1) ?? "", list.text(2) ?? "")] = id
            kinds[id] = SeriesKind(rawValue: list.int(3)) ?? .gauge
        }
    }

    public func close() { connection.close() }

    /// Caps the file at `pages` pages, so writes fail as on a full disk (for tests).
    func limitPages(_ pages: Int64) throws {
        _ = try connection.scalar("PRAGMA max_page_count = \(pages)")
    }

    /// Series known, for /metrics and stats.
    public var seriesCount: Int { ids.count }

    // MARK: Samples

    /// Stores `samples` observed at `timestamp` (epoch seconds) in one transaction. A value
    /// equal to the one last written in the same 5-minute bucket adds to that row's repeat
    /// count instead of a row, so a flat series costs one row per bucket while counts and
    /// averages stay exact. NaN and infinities, which JSON cannot carry, are skipped.
    /// Returns the number of rows written.
    @discardableResult
    public func append(_ samples: [Sample], at timestamp: Int64) throws -> Int {
        guard !samples.isEmpty else { return 0 }
        let bucket = RollupTier.fiveMinutes.bucket(of: timestamp)
        var rows: [(id: Int64, value: Double)] = []
        var repeats: [(id: Int64, timestamp: Int64)] = []
        rows.reserveCapacity(samples.count)
        return try connection.transaction {
            for sample in samples where sample.value.isFinite {
                let id = try seriesId(sample.key, kind: sample.kind)
                if let last = lastWritten[id], last.value == sample.value, last.bucket == bucket, last.timestamp < timestamp {
                    repeats.append((id, last.timestamp))
                } else {
                    rows.append((id, sample.value))
                }
            }
            let insert = try connection.statement("INSERT OR REPLACE INTO samples (series_id, ts, value) VALUES (?1, ?2, ?3)")
            for row in rows {
                try insert.run(.integer(row.id), .integer(timestamp), .real(row.value))
            }
            let update = try connection.statement("UPDATE samples SET repeats = repeats + 1 WHERE series_id = ?1 AND ts = ?2")
            for row in repeats {
                try update.run(.integer(row.id), .integer(row.timestamp))
            }
            // Remember only once the rows are in: a failed batch is written again in full.
            for row in rows { lastWritten[row.id] = (row.value, bucket, timestamp) }
            return rows.count
        }
    }

    private func seriesId(_ key: SeriesKey, kind: SeriesKind) throws -> Int64 {
        let labels = key.canonicalLabels
        let cacheKey = Self.cacheKey(key.name, labels)
        if let id = ids[cacheKey] { return id }
        try connection.statement("INSERT OR IGNORE INTO series (name, labels, kind) VALUES (?1, ?2, ?3)")
            .run(.text(key.name), .text(labels), .integer(kind.rawValue))
        let select = try connection.statement("SELECT id FROM series WHERE name = ?1 AND labels = ?2")
        try select.bind(.text(key.name), .text(labels))
        defer { select.reset() }
        guard try select.step() else { throw connection.error(0, "series \(key.name) vanished while being created") }
        let id = select.int(0)
        ids[cacheKey] = id
        kinds[id] = kind
        return id
    }

    private static func cacheKey(_ name: String, _ labels: String) -> String { name + "\u{0}" + labels }

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
                let end = min(ready, watermark + Self.chunkSpan(tier))
                try connection.transaction {
                    try rollUpChunk(tier, from: watermark, to: end)
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

    /// Where a tier starts: the bucket of the oldest row of the tier below it.
    private func initialWatermark(of tier: RollupTier) throws -> Int64? {
        guard let source = tier.source else { return nil }
        let column = source == .raw ? "ts" : "bucket"
        return try connection.scalar("SELECT min(\(column)) FROM \(source.table)").map { tier.bucket(of: $0) }
    }

    /// How far `tier` may be rolled up: 5-minute buckets once they ended (plus a grace for
    /// late samples), coarser ones once the tier below covers them.
    private func readyUntil(_ tier: RollupTier, now: Int64) throws -> Int64 {
        guard let source = tier.source, source != .raw else {
            return tier.bucket(of: now - Self.rollupGrace)
        }
        guard let below = try watermark(of: source) else { return Int64.min }
        return tier.bucket(of: below)
    }

    /// The span rolled up per transaction: short enough to keep other writers waiting
    /// briefly, long enough to amortise the per-series seeks.
    static func chunkSpan(_ tier: RollupTier) -> Int64 {
        switch tier {
        case .raw, .fiveMinutes: return 3600
        case .hour: return 86400
        case .day: return 30 * 86400
        }
    }

    private func rollUpChunk(_ tier: RollupTier, from: Int64, to: Int64) throws {
        let insert = try connection.statement("""
            INSERT OR REPLACE INTO \(tier.table) (series_id, bucket, count, sum, min, max, last, increase)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
        var current: Int64?
        var consolidator = BucketConsolidator(width: tier.seconds, kind: .gauge)
        func flush() throws {
            guard let current else { return }
            for (start, bucket) in consolidator.drain() {
                try insert.run(.integer(current), .integer(start), .integer(bucket.count), .real(bucket.sum),
                               .real(bucket.min), .real(bucket.max), .real(bucket.last),
                               bucket.increase.map { .real($0) } ?? .null)
            }
        }
        if tier.source == .raw {
            // Per series: the last sample before the chunk (a counter's baseline), then the chunk.
            let rows = try connection.statement("""
                SELECT s.id, s.kind, x.ts, x.value, x.repeats FROM series s JOIN samples x ON x.series_id = s.id
                   AND x.ts >= coalesce((SELECT max(p.ts) FROM samples p WHERE p.series_id = s.id AND p.ts < ?1), ?1)
                   AND x.ts < ?2
                ORDER BY s.id, x.ts
                """)
            try rows.bind(.integer(from), .integer(to))
            while try rows.step() {
                let id = rows.int(0)
                let timestamp = rows.int(2)
                let value = rows.double(3)
                if id != current {
                    try flush()
                    current = id
                    consolidator = BucketConsolidator(width: tier.seconds, kind: SeriesKind(rawValue: rows.int(1)) ?? .gauge)
                }
                if timestamp < from {
                    consolidator.setPrevious(value)
                } else {
                    consolidator.add(timestamp: timestamp, value: value, weight: 1 + rows.int(4))
                }
            }
        } else {
            let source = tier.source!.table
            let rows = try connection.statement("""
                SELECT s.id, s.kind, r.bucket, r.count, r.sum, r.min, r.max, r.last, r.increase
                FROM series s JOIN \(source) r ON r.series_id = s.id AND r.bucket >= ?1 AND r.bucket < ?2
                ORDER BY s.id, r.bucket
                """)
            try rows.bind(.integer(from), .integer(to))
            while try rows.step() {
                let id = rows.int(0)
                if id != current {
                    try flush()
                    current = id
                    consolidator = BucketConsolidator(width: tier.seconds, kind: SeriesKind(rawValue: rows.int(1)) ?? .gauge)
                }
                consolidator.add(start: rows.int(2), bucket: RollupBucket(
                    count: rows.int(3), sum: rows.double(4), min: rows.double(5), max: rows.double(6),
                    last: rows.double(7), increase: rows.optionalDouble(8)))
            }
        }
        try flush()
    }

    // MARK: Retention

    /// Deletes rows past their tier's retention for up to `batch` series after `afterSeries`,
    /// in one short transaction, and drops series left with no rows. Returns the rows deleted
    /// and the series to continue after, or nil when every series was visited.
    public func deleteExpired(now: Int64, policy: RetentionPolicy, afterSeries: Int64,
                              batch: Int = 200) throws -> (deleted: Int, next: Int64?) {
        var cutoffs: [(RollupTier, Int64)] = []
        for tier in RollupTier.allCases {
            var cutoff = now - policy.retention(of: tier)
            // Rows the next tier has not consumed yet stay, whatever the retention says.
            if let next = RollupTier.allCases.first(where: { $0.source == tier }) {
                guard let rolled = try watermark(of: next) else { continue }
                cutoff = min(cutoff, rolled - next.seconds)
            }
            cutoffs.append((tier, cutoff))
        }
        let list = try connection.statement("SELECT id FROM series WHERE id > ?1 ORDER BY id LIMIT ?2")
        try list.bind(.integer(afterSeries), .integer(Int64(batch)))
        var seriesIds: [Int64] = []
        while try list.step() { seriesIds.append(list.int(0)) }
        list.reset()
        guard !seriesIds.isEmpty else { return (0, nil) }
        var deleted = 0
        try connection.transaction {
            for id in seriesIds {
                for (tier, cutoff) in cutoffs {
                    let column = tier == .raw ? "ts" : "bucket"
                    try connection.statement("DELETE FROM \(tier.table) WHERE series_id = ?1 AND \(column) < ?2")
                        .run(.integer(id), .integer(cutoff))
                    deleted += Int(try connection.scalar("SELECT changes()") ?? 0)
                }
            }
            for id in seriesIds where try isEmpty(series: id) {
                try connection.statement("DELETE FROM series WHERE id = ?1").run(.integer(id))
                forget(series: id)
            }
        }
        return (deleted, seriesIds.count < batch ? nil : seriesIds.last)
    }

    private func isEmpty(series id: Int64) throws -> Bool {
        for tier in RollupTier.allCases {
            let statement = try connection.statement("SELECT 1 FROM \(tier.table) WHERE series_id = ?1 LIMIT 1")
            try statement.bind(.integer(id))
            defer { statement.reset() }
            if try statement.step() { return false }
        }
        return true
    }

    private func forget(series id: Int64) {
        if let key = ids.first(where: { $0.value == id })?.key { ids[key] = nil }
        kinds[id] = nil
        lastWritten[id] = nil
    }
}
