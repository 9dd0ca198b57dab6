import EtlworksAPI
import Foundation
import SQLiteDatabase

/// A series as stored, with the labels a query sees.
public struct StoredSeries: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// The stored labels plus `flow_name`, the current name of the series' flow: names
    /// change, so series are stored by flow id and the name is looked up when read.
    public var labels: [SeriesLabel]
    public var kind: SeriesKind
    /// The poll that produces it.
    public var group: String
}

/// One window of a query answer: the start of the window and the values consolidated in it.
public struct SeriesPoint: Sendable, Equatable {
    public var timestamp: Int64
    public var values: RollupBucket

    package init(timestamp: Int64, values: RollupBucket) {
        self.timestamp = timestamp
        self.values = values
    }
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
    /// A thread of its own: SQLite blocks, and must not block Swift's cooperative pool.
    private nonisolated let executor = SQLiteExecutor(name: "sqlite-reader")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    deinit { executor.stop() }

    public init(path: String) throws {
        connection = try SQLiteConnection(path: path, create: false, readOnly: true)
    }

    public func close() { connection.close() }

    /// Points of every series `selector` matches, windows of `step` seconds aligned to
    /// multiples of `step` from the window holding `from` up to `to` (exclusive), read from
    /// `tier`. Buckets `tier` has not rolled up yet come from the finer tiers, down to the
    /// stored changes. Every poll of a series' group counts, with the value the series held
    /// then; a bucket counts in the window holding its start. Windows in which the group was
    /// not polled, or the series did not exist, are left out: a gap, never a zero.
    public func query(
        _ selector: some SeriesFilter, tier: RollupTier, from: Int64, to: Int64, step: Int64,
        maxSeries: Int, maxSamples: Int = .max
    ) throws -> [SeriesResult] {
        // Matched before the read transaction: a regex must never hold one open (the WAL
        // cannot be checkpointed past it).
        let series = try matching(selector)
        // One read transaction: the watermarks and the rows come from the same snapshot.
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        if series.count > maxSeries {
            throw SeriesQueryError(
                parameter: "match",
                message: "selects \(series.count) series, more than the maximum of \(maxSeries); narrow it with labels")
        }
        // Checked before any point is read: series × windows bounds the answer's memory.
        let windows = BucketConsolidator.windowCount(from: from, to: to, step: step)
        let (samples, overflow) = Int64(series.count).multipliedReportingOverflow(by: windows)
        if overflow || samples > maxSamples {
            throw SeriesQueryError(
                parameter: "match",
                message:
                    "selects \(series.count) series × \(windows) windows = \(overflow ? "too many" : String(samples)) points, more than query.max_samples (\(maxSamples)); narrow it, raise step or shorten the range"
            )
        }
        // Nothing lies before the oldest poll stored, so the scan starts at its day (every
        // tier's buckets start within it), aligned to the windows: what is read and
        // allocated follows what is stored, however early `from` is.
        guard let oldest = try oldestPoll() else { return series.map { SeriesResult(series: $0, points: []) } }
        let windowStart = max(
            BucketConsolidator.floor(from, step),
            BucketConsolidator.floor(BucketConsolidator.floor(oldest, RollupTier.day.seconds), step))
        let segments = try segments(tier: tier, from: windowStart, to: to)
        var polls: [String: [Int64]] = [:]
        var pollCounts: [String: HeldValues.PollCounts] = [:]
        return try series.map { series in
            // A query whose client has gone stops between series.
            try Task.checkCancellation()
            var consolidator = BucketConsolidator(width: step, kind: series.kind)
            var held: Double?
            for (index, segment) in segments.enumerated() {
                let entries: [HeldValues.Entry]
                if segment.tier == .raw {
                    if index == 0 { held = try SeriesRows.held(connection, series.id, in: .raw, before: segment.from) }
                    let key = "\(series.group)\u{0}\(segment.from)"
                    if polls[key] == nil {
                        polls[key] = try SeriesRows.pollTimes(connection, series.group, from: segment.from, to: segment.to)
                    }
                    (entries, held) = HeldValues.fromPolls(
                        polls[key]![...], changes: try changes(series.id, from: segment.from, to: segment.to),
                        held: held, kind: series.kind, width: step)
                } else {
                    let first = -BucketConsolidator.floor(-segment.from, segment.tier.seconds)
                    if index == 0 { held = try SeriesRows.held(connection, series.id, in: segment.tier, before: first) }
                    let key = "\(series.group)\u{0}\(segment.tier.rawValue)"
                    if pollCounts[key] == nil {
                        pollCounts[key] = HeldValues.PollCounts(
                            try groupPolls(series.group, segment.tier, from: first, to: segment.to),
                            from: first, to: segment.to)
                    }
                    (entries, held) = HeldValues.fromBuckets(
                        try rows(series.id, segment.tier, from: first, to: segment.to), pollCounts: pollCounts[key]!,
                        from: first, to: segment.to, held: held, kind: series.kind, width: step)
                }
                for entry in entries { if let values = entry.values { consolidator.add(start: entry.start, bucket: values) } }
            }
            let points = consolidator.drain().map { SeriesPoint(timestamp: $0.start, values: $0.bucket) }
            return SeriesResult(series: series, points: points)
        }
    }

    /// Which tier answers which span: `tier` up to its watermark, then each finer tier up to
    /// its own, stored changes for the rest.
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

    private func changes(_ series: Int64, from: Int64, to: Int64) throws -> [(timestamp: Int64, value: Double?)] {
        let statement = try connection.statement(
            "SELECT ts, value FROM samples WHERE series_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts")
        statement.bind(1, series)
        statement.bind(2, from)
        statement.bind(3, to)
        defer { statement.reset() }
        var result: [(Int64, Double?)] = []
        while try statement.step() { result.append((statement.int(0), statement.optionalDouble(1))) }
        return result
    }

    private func groupPolls(_ group: String, _ tier: RollupTier, from: Int64, to: Int64) throws -> [Int64: Int64] {
        let statement = try connection.statement(
            "SELECT bucket, count FROM group_polls WHERE tier = ?1 AND bucket >= ?2 AND bucket < ?3 AND grp = ?4")
        try statement.bind(.text(tier.rawValue), .integer(from), .integer(to), .text(group))
        defer { statement.reset() }
        var result: [Int64: Int64] = [:]
        while try statement.step() { result[statement.int(0)] = statement.int(1) }
        return result
    }

    private func rows(_ series: Int64, _ tier: RollupTier, from: Int64, to: Int64) throws -> [HeldValues.Entry] {
        let statement = try connection.statement(
            """
            SELECT bucket, count, sum, min, max, last, increase, live FROM \(tier.table)
            WHERE series_id = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket
            """)
        statement.bind(1, series)
        statement.bind(2, from)
        statement.bind(3, to)
        defer { statement.reset() }
        var result: [HeldValues.Entry] = []
        while try statement.step() { result.append(SeriesRows.entry(statement, offset: 0)) }
        return result
    }

    /// The series named by the selector whose labels (with `flow_name`) match it.
    public func matching(_ selector: some SeriesFilter) throws -> [StoredSeries] {
        let matches = selector.labelTest()
        // Equality matchers on stored labels narrow the scan in SQL first: the canonical
        // JSON holds each pair as the exact text "name":"value". The full match follows.
        let pairs: [String] = selector.requiredLabels.map { label in
            var pair = ""
            JSONString.append(label.name, to: &pair)
            pair += ":"
            JSONString.append(label.value, to: &pair)
            return pair
        }
        let filters = pairs.indices.map { " AND instr(labels, ?\($0 + 2)) > 0" }.joined()
        let list = try connection.statement("SELECT id, labels, kind, grp FROM series WHERE name = ?1\(filters) ORDER BY id")
        try list.bind(.text(selector.metricName))
        for (index, pair) in pairs.enumerated() { try list.bind(at: Int32(index + 2), .text(pair)) }
        var candidates: [StoredSeries] = []
        while try list.step() {
            guard let labels = SeriesKey.labels(fromCanonical: list.text(1) ?? "") else { continue }
            candidates.append(
                StoredSeries(
                    id: list.int(0), name: selector.metricName, labels: labels,
                    kind: SeriesKind(rawValue: list.int(2)) ?? .gauge, group: list.text(3) ?? ""))
        }
        list.reset()
        let flowName = try connection.statement("SELECT name FROM flows WHERE id = ?1")
        return try candidates.compactMap { series in
            try Task.checkCancellation()
            var series = series
            if let flowId = series.labels.first(where: { $0.name == "flow_id" }).flatMap({ Int64($0.value) }),
                !series.labels.contains(where: { $0.name == "flow_name" })
            {
                try flowName.bind(.integer(flowId))
                if try flowName.step(), let name = flowName.text(0) {
                    series.labels.append(SeriesLabel("flow_name", name))
                    series.labels.sort()
                }
                flowName.reset()
            }
            guard let matched = matches(series.labels) else {
                throw SeriesQueryError(parameter: "match", message: selector.budgetExhaustedMessage)
            }
            return matched ? series : nil
        }
    }

    /// The time of the oldest poll any tier still records, if any.
    func oldestPoll() throws -> Int64? {
        var oldest: Int64? = try connection.scalar("SELECT min(ts) FROM polls")
        for tier in RollupTier.allCases where tier != .raw {
            let statement = try connection.statement("SELECT min(bucket) FROM group_polls WHERE tier = ?1")
            try statement.bind(.text(tier.rawValue))
            defer { statement.reset() }
            if try statement.step(), let bucket = statement.optionalInt(0) { oldest = min(oldest ?? bucket, bucket) }
        }
        return oldest
    }

    /// The time of the latest poll recorded, if any.
    public func latestPoll() throws -> Int64? {
        try connection.scalar("SELECT max(ts) FROM polls")
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
