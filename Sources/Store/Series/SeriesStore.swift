import Foundation

/// Writes time series into the exporter's database: raw samples, the 5m/1h/1d rollups built
/// from them in the background, and the deletion of rows past their retention.
///
/// It holds its own connection to the file (the run store holds another); every write is
/// one short transaction, so a crash leaves either all of a batch or none of it.
public actor SeriesStore {
    private let connection: SQLiteConnection
    public nonisolated let path: String
    /// Series ids by key; loaded at open, so a sample costs no lookup.
    private var ids: [SeriesKey: Int64] = [:]
    private var kinds: [Int64: SeriesKind] = [:]
    /// The value, 5-minute bucket and time of the row last written per series: an unchanged
    /// value gets a new row only in a new bucket, so every bucket a series was seen in has one.
    private var lastWritten: [Int64: (value: Double, bucket: Int64, offset: Int64)] = [:]

    /// How long after a 5-minute bucket ends it is rolled up, for samples still in flight.
    public static let rollupGrace: Int64 = 60

    /// Opens (or creates) the database at `path`, migrating it like the run store does.
    public init(path: String) throws {
        self.path = path
        connection = try DatabaseFile.open(path: path)
        let list = try connection.statement("SELECT id, name, labels, kind FROM series")
        while try list.step() {
            let id = list.int(0)
            guard let labels = SeriesKey.labels(fromCanonical: list.text(2) ?? "") else { continue }
            ids[SeriesKey(list.text(1) ?? "", labels)] = id
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
        let offset = timestamp - bucket
        var rows: [(id: Int64, value: Double)] = []
        var repeats: [(id: Int64, offset: Int64)] = []
        rows.reserveCapacity(samples.count)
        return try connection.transaction {
            for sample in samples where sample.value.isFinite {
                let id = try seriesId(sample.key, kind: sample.kind)
                if let last = lastWritten[id], last.value == sample.value, last.bucket == bucket, last.offset < offset {
                    repeats.append((id, last.offset))
                } else {
                    rows.append((id, sample.value))
                }
            }
            // In key order: the rows land side by side at the end of the table.
            rows.sort { $0.id < $1.id }
            let insert = try connection.statement(
                "INSERT OR REPLACE INTO samples (bucket, series_id, offset, value) VALUES (?1, ?2, ?3, ?4)")
            for row in rows {
                insert.bind(1, bucket)
                insert.bind(2, row.id)
                insert.bind(3, offset)
                insert.bind(4, row.value)
                try insert.executeBound()
            }
            let update = try connection.statement(
                "UPDATE samples SET repeats = repeats + 1 WHERE bucket = ?1 AND series_id = ?2 AND offset = ?3")
            for row in repeats {
                try update.run(.integer(bucket), .integer(row.id), .integer(row.offset))
            }
            // Remember only once the rows are in: a failed batch is written again in full.
            for row in rows { lastWritten[row.id] = (row.value, bucket, offset) }
            return rows.count
        }
    }

    private func seriesId(_ key: SeriesKey, kind: SeriesKind) throws -> Int64 {
        if let id = ids[key] { return id }
        let labels = key.canonicalLabels
        try connection.statement("INSERT OR IGNORE INTO series (name, labels, kind) VALUES (?1, ?2, ?3)")
            .run(.text(key.name), .text(labels), .integer(kind.rawValue))
        let select = try connection.statement("SELECT id FROM series WHERE name = ?1 AND labels = ?2")
        try select.bind(.text(key.name), .text(labels))
        defer { select.reset() }
        guard try select.step() else { throw connection.error(0, "series \(key.name) vanished while being created") }
        let id = select.int(0)
        ids[key] = id
        kinds[id] = kind
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
        return try connection.scalar("SELECT min(bucket) FROM \(source.table)").map { tier.bucket(of: $0) }
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
            INSERT OR REPLACE INTO \(tier.table) (bucket, series_id, count, sum, min, max, last, increase)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
        func write(_ bucket: Int64, _ series: Int64, _ values: RollupBucket) throws {
            insert.bind(1, bucket)
            insert.bind(2, series)
            insert.bind(3, values.count)
            insert.bind(4, values.sum)
            insert.bind(5, values.min)
            insert.bind(6, values.max)
            insert.bind(7, values.last)
            insert.bind(8, values.increase)
            try insert.executeBound()
        }
        if tier.source == .raw {
            try rollUpSamples(from: from, to: to, write: write)
        } else {
            try rollUpBuckets(tier, from: from, to: to, write: write)
        }
    }

    /// Raw samples into 5-minute buckets. Rows come in key order (bucket, series, time), so
    /// each bucket of each series is a run of rows, and the buckets are written in key order.
    /// A counter's baseline is the series' last sample consumed before, kept in
    /// `series_cursor` and moved in the same transaction.
    private func rollUpSamples(from: Int64, to: Int64, write: (Int64, Int64, RollupBucket) throws -> Void) throws {
        var cursors: [Int64: Double] = [:]
        let load = try connection.statement("SELECT series_id, value FROM series_cursor")
        while try load.step() { cursors[load.int(0)] = load.double(1) }
        load.reset()
        var consumed: [Int64: (timestamp: Int64, value: Double)] = [:]
        var current: (bucket: Int64, series: Int64)?
        var values: RollupBucket?
        let rows = try connection.statement("""
            SELECT bucket, series_id, offset, value, repeats FROM samples WHERE bucket >= ?1 AND bucket < ?2
            ORDER BY bucket, series_id, offset
            """)
        try rows.bind(.integer(from), .integer(to))
        while try rows.step() {
            let bucket = rows.int(0)
            let series = rows.int(1)
            let value = rows.double(3)
            let weight = 1 + rows.int(4)
            if current?.bucket != bucket || current?.series != series {
                if let current, let values { try write(current.bucket, current.series, values) }
                current = (bucket, series)
                values = RollupBucket(value: value, previous: cursors[series], kind: try kind(of: series), weight: weight)
            } else {
                values?.add(value, previous: cursors[series], weight: weight)
            }
            cursors[series] = value
            consumed[series] = (bucket + rows.int(2), value)
        }
        rows.reset()
        if let current, let values { try write(current.bucket, current.series, values) }
        let save = try connection.statement("INSERT OR REPLACE INTO series_cursor (series_id, ts, value) VALUES (?1, ?2, ?3)")
        for (series, last) in consumed.sorted(by: { $0.key < $1.key }) {
            try save.run(.integer(series), .integer(last.timestamp), .real(last.value))
        }
    }

    /// Finer buckets into coarser ones: the rows of one coarse bucket are gathered per series
    /// and written together, in key order, when the scan passes its end.
    private func rollUpBuckets(_ tier: RollupTier, from: Int64, to: Int64,
                               write: (Int64, Int64, RollupBucket) throws -> Void) throws {
        var target: Int64?
        var pending: [Int64: RollupBucket] = [:]
        func flush() throws {
            guard let target else { return }
            for (series, values) in pending.sorted(by: { $0.key < $1.key }) { try write(target, series, values) }
            pending.removeAll(keepingCapacity: true)
        }
        let rows = try connection.statement("""
            SELECT bucket, series_id, count, sum, min, max, last, increase FROM \(tier.source!.table)
            WHERE bucket >= ?1 AND bucket < ?2 ORDER BY bucket, series_id
            """)
        try rows.bind(.integer(from), .integer(to))
        while try rows.step() {
            let bucket = tier.bucket(of: rows.int(0))
            if bucket != target {
                try flush()
                target = bucket
            }
            let series = rows.int(1)
            let values = RollupBucket(count: rows.int(2), sum: rows.double(3), min: rows.double(4), max: rows.double(5),
                                      last: rows.double(6), increase: rows.optionalDouble(7))
            if pending[series] == nil { pending[series] = values } else { pending[series]!.merge(values) }
        }
        rows.reset()
        try flush()
    }

    private func kind(of series: Int64) throws -> SeriesKind {
        if let kind = kinds[series] { return kind }
        let kind = SeriesKind(rawValue: try connection.scalar("SELECT kind FROM series WHERE id = \(series)") ?? 0) ?? .gauge
        kinds[series] = kind
        return kind
    }

    // MARK: Retention

    /// Deletes the oldest bucket of every tier that is past its retention, in one short
    /// transaction; returns the rows deleted, 0 once nothing is left to delete. Rows the next
    /// tier has not rolled up yet stay, whatever the retention says. Series last seen before
    /// the longest retention (no rows left anywhere) are dropped on the final call.
    public func deleteExpired(now: Int64, policy: RetentionPolicy) throws -> Int {
        try connection.transaction {
            var deleted = 0
            for tier in RollupTier.allCases {
                var cutoff = now - policy.retention(of: tier)
                if let next = RollupTier.allCases.first(where: { $0.source == tier }) {
                    guard let rolled = try watermark(of: next) else { continue }
                    cutoff = min(cutoff, rolled)
                }
                guard let oldest = try connection.scalar("SELECT min(bucket) FROM \(tier.table)"), oldest < cutoff else { continue }
                let step = max(tier.seconds, RollupTier.fiveMinutes.seconds)
                try connection.statement("DELETE FROM \(tier.table) WHERE bucket < ?1")
                    .run(.integer(min(cutoff, oldest + step)))
                deleted += Int(try connection.scalar("SELECT changes()") ?? 0)
            }
            if deleted == 0, let rolled = try watermark(of: .fiveMinutes) {
                let longest = RollupTier.allCases.map { policy.retention(of: $0) }.max() ?? 0
                // Not one seen again lately, whose new samples are not rolled up yet.
                let gone = try connection.statement("""
                    SELECT series_id FROM series_cursor WHERE ts < ?1
                    AND series_id NOT IN (SELECT series_id FROM samples WHERE bucket >= ?2)
                    """)
                try gone.bind(.integer(now - longest), .integer(rolled))
                var ids: [Int64] = []
                while try gone.step() { ids.append(gone.int(0)) }
                gone.reset()
                for id in ids {
                    try connection.statement("DELETE FROM series WHERE id = ?1").run(.integer(id))
                    try connection.statement("DELETE FROM series_cursor WHERE series_id = ?1").run(.integer(id))
                    forget(series: id)
                }
            }
            return deleted
        }
    }

    private func forget(series id: Int64) {
        if let key = ids.first(where: { $0.value == id })?.key { ids[key] = nil }
        kinds[id] = nil
        lastWritten[id] = nil
    }
}
