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
    /// `tier`. Rollups not made yet are computed from raw samples. Windows without data
    /// are left out: a gap, never a zero.
    public func query(_ selector: SeriesSelector, tier: RollupTier, from: Int64, to: Int64, step: Int64,
                      maxSeries: Int) throws -> [SeriesResult] {
        // One read transaction: the watermark and the rows come from the same snapshot.
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        let series = try matching(selector)
        if series.count > maxSeries {
            throw SeriesQueryError(parameter: "match",
                                   message: "selects \(series.count) series, more than the maximum of \(maxSeries); narrow it with labels")
        }
        let windowStart = BucketConsolidator.floor(from, step)
        let watermark = tier == .raw ? nil : try connection.scalar(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = '\(tier.watermarkKey)'")
        return try series.map { series in
            var consolidator = BucketConsolidator(width: step, kind: series.kind)
            var rawFrom = windowStart
            if let watermark, watermark > windowStart {
                let rows = try connection.statement("""
                    SELECT bucket, count, sum, min, max, last, increase FROM \(tier.table)
                    WHERE series_id = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket
                    """)
                try rows.bind(.integer(series.id), .integer(windowStart), .integer(min(watermark, to)))
                while try rows.step() {
                    consolidator.add(start: rows.int(0), bucket: RollupBucket(
                        count: rows.int(1), sum: rows.double(2), min: rows.double(3), max: rows.double(4),
                        last: rows.double(5), increase: rows.optionalDouble(6)))
                }
                rows.reset()
                rawFrom = watermark
            }
            if rawFrom < to {
                let rows = try connection.statement("""
                    SELECT ts, value, repeats FROM samples WHERE series_id = ?1
                       AND ts >= coalesce((SELECT max(ts) FROM samples WHERE series_id = ?1 AND ts < ?2), ?2)
                       AND ts < ?3 ORDER BY ts
                    """)
                try rows.bind(.integer(series.id), .integer(rawFrom), .integer(to))
                while try rows.step() {
                    let timestamp = rows.int(0)
                    if timestamp < rawFrom {
                        consolidator.setPrevious(rows.double(1))
                    } else {
                        consolidator.add(timestamp: timestamp, value: rows.double(1), weight: 1 + rows.int(2))
                    }
                }
                rows.reset()
            }
            let points = consolidator.drain().map { SeriesPoint(timestamp: $0.start, values: $0.bucket) }
            return SeriesResult(series: series, points: points)
        }
    }

    /// The series named by the selector whose labels (with `flow_name`) match it.
    public func matching(_ selector: SeriesSelector) throws -> [StoredSeries] {
        let matches = selector.compiled()
        let list = try connection.statement("SELECT id, labels, kind FROM series WHERE name = ?1 ORDER BY id")
        try list.bind(.text(selector.name))
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

    /// The watermark of each rollup tier (nil before its first rollup).
    public func watermarks() throws -> [RollupTier: Int64] {
        var result: [RollupTier: Int64] = [:]
        for tier in RollupTier.allCases where tier != .raw {
            result[tier] = try connection.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = '\(tier.watermarkKey)'")
        }
        return result
    }
}
