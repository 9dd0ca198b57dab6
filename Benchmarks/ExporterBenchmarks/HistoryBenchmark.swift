import CSQLite
import Foundation
import Store

/// The history store: ingest rate against plain prepared-statement inserts of the same rows
/// into the same schema, bytes per raw sample, rolling up a day of N flows, and a 30-day
/// query at a 1h step.
enum HistoryBenchmark {
    /// The series each flow has in history (HistorySamples: runs by two statuses, records,
    /// duration sum and count, running and queued).
    static func keys(flows: Int) -> [(SeriesKey, SeriesKind)] {
        var keys: [(SeriesKey, SeriesKind)] = []
        for flow in 0..<flows {
            let id = SeriesLabel("flow_id", String(1000 + flow * 7))
            for status in ["success", "error"] {
                keys.append((SeriesKey("etlworks_flow_runs_total", [id, SeriesLabel("status", status)]), .counter))
            }
            keys.append((SeriesKey("etlworks_flow_records_processed_total", [id]), .counter))
            keys.append((SeriesKey("etlworks_flow_run_duration_seconds_sum", [id]), .counter))
            keys.append((SeriesKey("etlworks_flow_run_duration_seconds_count", [id]), .counter))
            keys.append((SeriesKey("etlworks_flow_running_runs", [id]), .gauge))
            keys.append((SeriesKey("etlworks_flow_queued_runs", [id]), .gauge))
        }
        return keys
    }

    /// One poll's samples: every value differs from the previous poll's, so each is a row.
    static func batch(_ keys: [(SeriesKey, SeriesKind)], poll: Int) -> [Sample] {
        keys.enumerated().map { index, key in
            Sample(key.0, key.1, key.1 == .counter ? Double(poll * 3 + index % 5) : Double((poll + index) % 4))
        }
    }

    static let start: Int64 = 1_793_491_200   // 2026-11-01T00:00:00Z

    static func run(flows: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("etlworks-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = keys(flows: flows)
        try await ingest(keys, directory: directory)
        try await rollupDay(keys, directory: directory)
        try await query(flows: 100, directory: directory)
    }

    // MARK: Ingest

    static func ingest(_ keys: [(SeriesKey, SeriesKind)], directory: URL) async throws {
        let polls = 20
        var ours: [Double] = []
        var plain: [Double] = []
        var bytesPerSample = 0.0
        for round in 0..<3 {
            let path = directory.appendingPathComponent("ingest-\(round).db").path
            let store = try SeriesStore(path: path)
            try await store.append(batch(keys, poll: 0), at: start)   // creates the series: not timed
            let begin = ContinuousClock.now
            for poll in 1...polls {
                try await store.append(batch(keys, poll: poll), at: start + Int64(poll) * 30)
            }
            ours.append(Double(keys.count * polls) / seconds(ContinuousClock.now - begin))
            await store.close()
            bytesPerSample = try Double(checkpointedSize(path)) / Double(keys.count * (polls + 1))

            // The baseline: the same rows into the same schema, one prepared INSERT per row,
            // one transaction per poll, as the simplest correct program would.
            let basePath = directory.appendingPathComponent("plain-\(round).db").path
            let schema = try SeriesStore(path: basePath)
            await schema.close()
            plain.append(try plainInsert(path: basePath, rows: keys.count, polls: polls))
        }
        let oursMedian = ours.sorted()[1]
        let plainMedian = plain.sorted()[1]
        print(String(format: "history ingest: %d series x %d polls; median %.0f samples/s, plain prepared INSERT %.0f samples/s (%.2fx)",
                     keys.count, polls, oursMedian, plainMedian, oursMedian / plainMedian))
        print(String(format: "history size: %.1f bytes per raw sample (file after checkpoint / samples, %d samples)",
                     bytesPerSample, keys.count * (polls + 1)))
    }

    static func plainInsert(path: String, rows: Int, polls: Int) throws -> Double {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw BenchmarkError("cannot open \(path)") }
        defer { sqlite3_close(handle) }
        sqlite3_exec(handle, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nil, nil, nil)
        var statement: OpaquePointer?
        sqlite3_prepare_v2(handle, "INSERT INTO samples (bucket, series_id, offset, value) VALUES (?1, ?2, ?3, ?4)", -1,
                           &statement, nil)
        defer { sqlite3_finalize(statement) }
        let begin = ContinuousClock.now
        for poll in 1...polls {
            sqlite3_exec(handle, "BEGIN IMMEDIATE", nil, nil, nil)
            for row in 0..<rows {
                let time = start + Int64(poll) * 30
                sqlite3_bind_int64(statement, 1, time - time % 300)
                sqlite3_bind_int64(statement, 2, Int64(row + 1))
                sqlite3_bind_int64(statement, 3, time % 300)
                sqlite3_bind_double(statement, 4, Double(poll * 3 + row % 5))
                guard sqlite3_step(statement) == SQLITE_DONE else { throw BenchmarkError("insert failed") }
                sqlite3_reset(statement)
            }
            sqlite3_exec(handle, "COMMIT", nil, nil, nil)
        }
        return Double(rows * polls) / seconds(ContinuousClock.now - begin)
    }

    /// The file's size after its WAL is checkpointed into it.
    static func checkpointedSize(_ path: String) throws -> Int64 {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw BenchmarkError("cannot open \(path)") }
        sqlite3_exec(handle, "PRAGMA wal_checkpoint(TRUNCATE)", nil, nil, nil)
        sqlite3_close(handle)
        return (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    }

    // MARK: Rollup

    /// A day of history for every series, one row per 5-minute bucket (what 30-second polls
    /// leave once repeats are folded in), rolled up into all three tiers at once.
    static func rollupDay(_ keys: [(SeriesKey, SeriesKind)], directory: URL) async throws {
        let path = directory.appendingPathComponent("day.db").path
        let store = try SeriesStore(path: path)
        let buildStart = ContinuousClock.now
        for bucket in 0..<288 {
            try await store.append(batch(keys, poll: bucket), at: start + Int64(bucket) * 300 + 17)
        }
        let built = seconds(ContinuousClock.now - buildStart)
        let begin = ContinuousClock.now
        while try await store.rollUp(now: start + 86400 + 3600, maxChunks: 1000) {}
        let elapsed = seconds(ContinuousClock.now - begin)
        await store.close()
        let rows = keys.count * 288
        print(String(format: "history rollup: one day of %d series (%d raw rows, written in %.1f s) into 5m/1h/1d: %.2f s",
                     keys.count, rows, built, elapsed))
        print(String(format: "history size: %.1f bytes per raw sample in the day file with its rollups",
                     Double(try checkpointedSize(path)) / Double(rows)))
    }

    // MARK: Query

    /// 30 days of `flows` flows at one row per 5 minutes, rolled up; then one series over
    /// the 30 days at a 1h step, from the hourly tier and (the baseline) from raw samples.
    static func query(flows: Int, directory: URL) async throws {
        let path = directory.appendingPathComponent("month.db").path
        let keys = keys(flows: flows)
        let store = try SeriesStore(path: path)
        for bucket in 0..<(30 * 288) {
            try await store.append(batch(keys, poll: bucket), at: start + Int64(bucket) * 300 + 17)
        }
        while try await store.rollUp(now: start + 31 * 86400, maxChunks: 1000) {}
        await store.close()
        let reader = try SeriesReader(path: path)
        let selector = try SeriesSelector.parse("etlworks_flow_runs_total{flow_id=\"1350\",status=\"error\"}")
        var points = 0
        func timed(_ tier: RollupTier) async throws -> Double {
            var samples: [Double] = []
            for _ in 0..<101 {
                let begin = ContinuousClock.now
                let result = try await reader.query(selector, tier: tier, from: start, to: start + 30 * 86400, step: 3600,
                                                    maxSeries: 10)
                samples.append(seconds(ContinuousClock.now - begin) * 1000)
                points = result.first?.points.count ?? 0
            }
            return samples.sorted()[50]
        }
        let hourly = try await timed(.hour)
        let hourlyPoints = points
        let raw = try await timed(.raw)
        print(String(format: "history query: 30 days at 1h step, one series of %d: median %.2f ms from the 1h tier (%d points); %.2f ms from raw samples (%.1fx)",
                     keys.count, hourly, hourlyPoints, raw, raw / hourly))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
