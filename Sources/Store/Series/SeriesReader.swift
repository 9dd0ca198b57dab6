import EtlworksAPI
import Foundation

/// A series as stored, with the labels a query sees.
public struct StoredSeries: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// The stored labels plus `flow_name`, the current name of the series' flow: names
    /// change, so series are stored by flow id and the name is looked up when read.
    public var labels: [SeriesLabel]
    public var kind: SeriesKind
}

/// One window of a query answer: the start of the window and the values consolidated in it.
public struct SeriesPoint: Sendable, Equatable {
    public var timestamp: Int64
    public var values: RollupBucket
}

/// A series and its points.
public struct SeriesResult: Sendable {
    public var series: StoredSeries
    public var points: [SeriesPoint]
}

/// Why a query was refused before anything was scanned.
public struct SeriesQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var parameter: String
    public var message: String

    public init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }

    public var description: String { "parameter '\(parameter)': \(message)" }
}

/// Reads series for the query API over its own read-only connection, so queries never wait
/// for the writers and cannot change the file.
public actor SeriesReader {
    private let connection: SQLiteConnection

    public init(path: String) throws {
        connection = try SQLiteConnection(path: path, create: false, readOnly: true)
    }

    public func close() { connection.close() }

    /// Points of every series `selector` matches, windows of `step` seconds aligned to
    /// multiples of `step` from the window holding `from` up to `to` (exclusive), read from
    /// `tier`. Buckets `tier` has not rolled up yet come from the finer tiers, down to raw
    /// samples. A bucket counts in the window holding its start. Windows without data are
    /// left out: a gap, never a zero.
    public func query(_ selector: SeriesSelector, tier: RollupTier, from: Int64, to: Int64, step: Int64,
                      maxSeries: Int) throws -> [SeriesResult] {
        // One read transaction: the watermarks and the rows come from the same snapshot.
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        let series = try matching(selector)
        if series.count > maxSeries {
            throw SeriesQueryError(parameter: "match",
                                   message: "selects \(series.count) series, more than the maximum of \(maxSeries); narrow it with labels")
        }
        let windowStart = BucketConsolidator.floor(from, step)
        let segments = try segments(tier: tier, from: windowStart, to: to)
        return try series.map { series in
            var consolidator = BucketConsolidator(width: step, kind: series.kind)
            for (index, segment) in segments.enumerated() {
                if segment.tier == .raw {
                    try readSamples(series.id, from: segment.from, to: segment.to, first: index == 0, into: &consolidator)
                } else {
                    try readBuckets(series.id, segment.tier, from: segment.from, to: segment.to, into: &consolidator)
                }
            }
            let points = consolidator.drain().map { SeriesPoint(timestamp: $0.start, values: $0.bucket) }
            return SeriesResult(series: series, points: points)
        }
    }

    /// Which tier answers which span: `tier` up to its watermark, then each finer tier up to
    /// its own, raw samples for the rest.
    private func segments(tier: RollupTier, from: Int64, to: Int64) throws -> [(tier: RollupTier, from: Int64, to: Int64)] {
        let watermarks = try watermarks()
        var segments: [(RollupTier, Int64, Int64)] = []
        var cursor = from
        var current = tier
        while cursor < to {
            let until = current == .raw ? to : min(to, max(cursor, watermarks[current] ?? cursor))
            if until > cursor {
                segments.append((current, cursor, until))
                cursor = until
            }
            guard let finer = current.source else { break }
            current = finer
        }
        return segments
    }

    /// Buckets of a rollup tier starting in [from, to): one seek per bucket.
    private func readBuckets(_ series: Int64, _ tier: RollupTier, from: Int64, to: Int64,
                             into consolidator: inout BucketConsolidator) throws {
        let first = -BucketConsolidator.floor(-from, tier.seconds)   // the first bucket starting at or after `from`
        guard first < to else { return }
        let row = try connection.statement("""
            SELECT count, sum, min, max, last, increase FROM \(tier.table) WHERE bucket = ?1 AND series_id = ?2
            """)
        row.bind(2, series)
        for bucket in stride(from: first, to: to, by: Int(tier.seconds)) {
            row.bind(1, bucket)
            if try row.step() {
                consolidator.add(start: bucket, bucket: RollupBucket(
                    count: row.int(0), sum: row.double(1), min: row.double(2), max: row.double(3),
                    last: row.double(4), increase: row.optionalDouble(5)))
            }
            row.resetKeepingBindings()
        }
    }

    /// Raw samples in [from, to). When they open the answer, the 5-minute bucket before is
    /// read too, for a counter's baseline.
    private func readSamples(_ series: Int64, from: Int64, to: Int64, first: Bool,
                             into consolidator: inout BucketConsolidator) throws {
        let fiveMinutes = RollupTier.fiveMinutes.seconds
        let start = BucketConsolidator.floor(from, fiveMinutes) - (first ? fiveMinutes : 0)
        let rows = try connection.statement("""
            WITH RECURSIVE b(x) AS (SELECT ?2 UNION ALL SELECT x + 300 FROM b WHERE x + 300 < ?3)
            SELECT s.bucket + s.offset AS ts, s.value, s.repeats
            FROM b CROSS JOIN samples s ON s.bucket = b.x AND s.series_id = ?1 ORDER BY ts
            """)
        try rows.bind(.integer(series), .integer(start), .integer(to))
        while try rows.step() {
            let timestamp = rows.int(0)
            if timestamp < from {
                consolidator.setPrevious(rows.double(1))
            } else if timestamp < to {
                consolidator.add(timestamp: timestamp, value: rows.double(1), weight: 1 + rows.int(2))
            }
        }
        rows.reset()
    }

    /// The series named by the selector whose labels (with `flow_name`) match it.
    public func matching(_ selector: SeriesSelector) throws -> [StoredSeries] {
        let matches = selector.compiled()
        // Equality matchers on stored labels narrow the scan in SQL first: the canonical
        // JSON holds each pair as the exact text "name":"value". The full match follows.
        let pairs: [String] = selector.matchers.filter { $0.op == .equal && $0.label != "flow_name" }.map { matcher in
            var pair = ""
            JSONString.append(matcher.label, to: &pair)
            pair += ":"
            JSONString.append(matcher.value, to: &pair)
            return pair
        }
        let filters = pairs.indices.map { " AND instr(labels, ?\($0 + 2)) > 0" }.joined()
        let list = try connection.statement("SELECT id, labels, kind FROM series WHERE name = ?1\(filters) ORDER BY id")
        try list.bind(.text(selector.name))
        for (index, pair) in pairs.enumerated() { try list.bind(at: Int32(index + 2), .text(pair)) }
        var candidates: [StoredSeries] = []
        while try list.step() {
            guard let labels = SeriesKey.labels(fromCanonical: list.text(1) ?? "") else { continue }
            candidates.append(StoredSeries(id: list.int(0), name: selector.name, labels: labels,
                                           kind: SeriesKind(rawValue: list.int(2)) ?? .gauge))
        }
        list.reset()
        let flowName = try connection.statement("SELECT name FROM flows WHERE id = ?1")
        return try candidates.compactMap { series in
            var series = series
            if let flowId = series.labels.first(where: { $0.name == "flow_id" }).flatMap({ Int64($0.value) }),
               !series.labels.contains(where: { $0.name == "flow_name" }) {
                try flowName.bind(.integer(flowId))
                if try flowName.step(), let name = flowName.text(0) {
                    series.labels.append(SeriesLabel("flow_name", name))
                    series.labels.sort()
                }
                flowName.reset()
            }
            return matches(series.labels) ? series : nil
        }
    }

    /// The time of the newest raw sample, if any.
    public func newestSample() throws -> Int64? {
        try connection.scalar("SELECT max(bucket + offset) FROM samples WHERE bucket = (SELECT max(bucket) FROM samples)")
    }

    /// The watermark of each rollup tier (nil before its first rollup).
    public func watermarks() throws -> [RollupTier: Int64] {
        var result: [RollupTier: Int64] = [:]
        for tier in RollupTier.allCases where tier != .raw {
            result[tier] = try connection.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = '\(tier.watermarkKey)'")
        }
        return result
    }
}
