import CSQLite
import Foundation
import SeriesQuery
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

    /// One poll's samples in the worst case: every value differs from the previous poll's, so
    /// each is a row.
    static func batch(_ keys: [(SeriesKey, SeriesKind)], poll: Int) -> [Sample] {
        keys.enumerated().map { index, key in
            Sample(key.0, key.1, key.1 == .counter ? Double(poll * 3 + index % 5) : Double((poll + index) % 4))
        }
    }

    static let start: Int64 = 1_793_491_200 // 2026-11-01T00:00:00Z

    static func run(flows: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("etlworks-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = keys(flows: flows)
        let part = ProcessInfo.processInfo.environment["BENCH_HISTORY_PART"]
        if part == nil || part == "ingest" { try await ingest(keys, directory: directory) }
        if part == nil || part == "rollup" { try await rollupDay(keys, directory: directory) }
        if part == nil || part == "query" { try await query(flows: 100, directory: directory) }
        if part == nil || part == "largest" { try await largestQuery(flows: flows, directory: directory) }
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
            try await store.append(batch(keys, poll: 0), group: "executions", at: start) // creates the series: not timed
            let begin = ContinuousClock.now
            for poll in 1...polls {
                try await store.append(batch(keys, poll: poll), group: "executions", at: start + Int64(poll) * 30)
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
        print(
            String(
                format:
                    "history ingest, every value changed (each sample a row): %d series x %d polls; median %.0f samples/s, plain prepared INSERT %.0f samples/s (%.2fx)",
                keys.count, polls, oursMedian, plainMedian, oursMedian / plainMedian))
        print(
            String(
                format:
                    "history size, every sample a row: %.1f bytes per sample (file after checkpoint / samples, %d samples, series table included)",
                bytesPerSample, keys.count * (polls + 1)))
    }

    static func plainInsert(path: String, rows: Int, polls: Int) throws -> Double {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw BenchmarkError("cannot open \(path)") }
        defer { sqlite3_close(handle) }
        sqlite3_exec(handle, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nil, nil, nil)
        var statement: OpaquePointer?
        sqlite3_prepare_v2(handle, "INSERT INTO samples (series_id, ts, value) VALUES (?1, ?2, ?3)", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        let begin = ContinuousClock.now
        for poll in 1...polls {
            sqlite3_exec(handle, "BEGIN IMMEDIATE", nil, nil, nil)
            for row in 0..<rows {
                sqlite3_bind_int64(statement, 1, Int64(row + 1))
                sqlite3_bind_int64(statement, 2, start + Int64(poll) * 30)
                sqlite3_bind_double(statement, 3, Double(poll * 3 + row % 5))
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

    /// A day of 30-second polls of `keys.count / 7` flows as they behave: each flow runs once
    /// an hour for a few minutes (running goes 1 then 0; runs, records and duration rise
    /// when it ends; one run in twelve fails). Everything else holds its value.
    static func realisticPoll(_ keys: [(SeriesKey, SeriesKind)], poll: Int) -> [Sample] {
        let minute = poll / 2
        var samples: [Sample] = []
        samples.reserveCapacity(keys.count)
        for flow in 0..<(keys.count / 7) {
            let offset = (flow * 37) % 60
            let runsEnded = (minute + 60 - offset - 4) / 60 // runs that ended by now, one per hour
            let running = (minute - offset) % 60 >= 0 && (minute - offset) % 60 < 4 && minute >= offset
            let errors = runsEnded / 12
            let base = flow * 7
            samples.append(Sample(keys[base].0, .counter, Double(runsEnded - errors)))
            samples.append(Sample(keys[base + 1].0, .counter, Double(errors)))
            samples.append(Sample(keys[base + 2].0, .counter, Double(runsEnded * (1000 + flow))))
            samples.append(Sample(keys[base + 3].0, .counter, Double(runsEnded) * 212.5))
            samples.append(Sample(keys[base + 4].0, .counter, Double(runsEnded)))
            samples.append(Sample(keys[base + 5].0, .gauge, running ? 1 : 0))
            samples.append(Sample(keys[base + 6].0, .gauge, 0))
        }
        return samples
    }

    /// A realistic day, then rolling it up into all three tiers at once.
    static func rollupDay(_ keys: [(SeriesKey, SeriesKind)], directory: URL) async throws {
        let path = directory.appendingPathComponent("day.db").path
        let store = try SeriesStore(path: path)
        var appendTimes: [Double] = []
        for poll in 0..<2880 {
            let samples = realisticPoll(keys, poll: poll)
            let begin = ContinuousClock.now
            try await store.append(samples, group: "executions", at: start + Int64(poll) * 30 + 7)
            appendTimes.append(seconds(ContinuousClock.now - begin) * 1000)
        }
        await store.close()
        let samples = keys.count * 2880
        let rows = try rowCount(path, "samples")
        let rawBytes = try checkpointedSize(path)
        // Rolled up three times, each on its own copy of the day.
        var elapsed: [Double] = []
        var rolledBytes: Int64 = 0
        for round in 0..<3 {
            let copy = directory.appendingPathComponent("day-\(round).db").path
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            let store = try SeriesStore(path: copy)
            let begin = ContinuousClock.now
            while try await store.rollUp(now: start + 86400 + 3600, maxChunks: 1000) {}
            elapsed.append(seconds(ContinuousClock.now - begin))
            await store.close()
            rolledBytes = try checkpointedSize(copy)
        }
        appendTimes.sort()
        print(
            String(
                format: "history poll: %d samples recorded per 30 s poll, median %.1f ms (mostly unchanged values)",
                keys.count, appendTimes[appendTimes.count / 2]))
        print(
            String(
                format:
                    "history day: %d samples observed, %d rows stored; %.2f bytes per sample (file after checkpoint / samples)",
                samples, rows, Double(rawBytes) / Double(samples)))
        print(
            String(
                format: "history rollup: that day of %d series into 5m/1h/1d: median %.2f s (%@)", keys.count,
                elapsed.sorted()[1], elapsed.map { String(format: "%.2f", $0) }.joined(separator: ", ")))
        print(String(format: "history day file with rollups: %.1f MiB", Double(rolledBytes) / 1_048_576))
    }

    static func rowCount(_ path: String, _ table: String) throws -> Int {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw BenchmarkError("cannot open \(path)") }
        defer { sqlite3_close(handle) }
        var statement: OpaquePointer?
        sqlite3_prepare_v2(handle, "SELECT count(*) FROM \(table)", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        return sqlite3_step(statement) == SQLITE_ROW ? Int(sqlite3_column_int64(statement, 0)) : 0
    }

    // MARK: Query

    /// 30 days of `flows` flows polled every minute as in `realisticPoll`, rolled up; then
    /// one series over the 30 days at a 1h step, from the hourly tier and (the baseline)
    /// from the stored changes and polls.
    static func query(flows: Int, directory: URL) async throws {
        let path = directory.appendingPathComponent("month.db").path
        let keys = keys(flows: flows)
        let store = try SeriesStore(path: path)
        for minute in 0..<(30 * 1440) {
            try await store.append(realisticPoll(keys, poll: minute * 2), group: "executions", at: start + Int64(minute) * 60 + 7)
        }
        while try await store.rollUp(now: start + 31 * 86400, maxChunks: 1000) {}
        await store.close()
        let reader = try SeriesReader(path: path)
        let selector = try SeriesSelector.parse("etlworks_flow_runs_total{flow_id=\"1350\",status=\"success\"}")
        var points = 0
        func timed(_ tier: RollupTier) async throws -> Double {
            var samples: [Double] = []
            for _ in 0..<101 {
                let begin = ContinuousClock.now
                let result = try await reader.query(
                    selector, tier: tier, from: start, to: start + 30 * 86400, step: 3600,
                    maxSeries: 10)
                samples.append(seconds(ContinuousClock.now - begin) * 1000)
                points = result.first?.points.count ?? 0
            }
            return samples.sorted()[50]
        }
        let hourly = try await timed(.hour)
        let hourlyPoints = points
        let raw = try await timed(.raw)
        print(
            String(
                format:
                    "history query: 30 days at 1h step, one series of %d: median %.2f ms from the 1h tier (%d points); %.2f ms from raw samples (%.1fx)",
                keys.count, hourly, hourlyPoints, raw, raw / hourly))
    }

    /// The largest answer `/api/v1/series` accepts (`query.max_samples`, 1,000,000 points):
    /// one gauge per flow, `flows` flows, over 1,000,000 / `flows` one-minute windows. Peak
    /// resident memory added by the query and its answer, streamed in 64 KiB pieces as the
    /// server sends it, against the same answer made as one text (the former way).
    static func largestQuery(flows: Int, directory: URL) async throws {
        let path = directory.appendingPathComponent("largest.db").path
        let keys = (0..<flows).map { SeriesKey("etlworks_flow_running_runs", [SeriesLabel("flow_id", String(1000 + $0 * 7))]) }
        let windows = 1_000_000 / flows
        let store = try SeriesStore(path: path)
        for minute in 0..<windows {
            let samples = keys.enumerated().map { Sample($1, .gauge, Double((minute + $0) % 3)) }
            try await store.append(samples, group: "executions", at: start + Int64(minute) * 60)
        }
        await store.close()
        let reader = try SeriesReader(path: path)
        let request = try SeriesQueryRequest.parse(
            [
                "match": "etlworks_flow_running_runs", "from": String(start), "to": String(start + Int64(windows) * 60),
                "step": "60"
            ], now: start + Int64(windows) * 60 + 60, limits: SeriesQueryLimits())
        func peakAdded(_ body: () async throws -> Int) async throws -> (mib: Double, bytes: Int) {
            try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) // resets VmHWM
            let before = residentMemory().current
            let bytes = try await body()
            return (residentMemory().peak - before, bytes)
        }
        func answer() async throws -> [SeriesResult] {
            try await reader.query(
                request.selector, tier: request.tier, from: request.from, to: request.to, step: request.step,
                maxSeries: 5000, maxSamples: 1_000_000)
        }
        var streamed: [Double] = []
        var whole: [Double] = []
        var points = 0
        var size = 0
        for _ in 0..<3 {
            let piecewise = try await peakAdded {
                let results = try await answer()
                points = results.reduce(0) { $0 + $1.points.count }
                var sent = 0
                for piece in SeriesQueryResponse(request, results: results) { sent += piece.utf8.count }
                return sent
            }
            streamed.append(piecewise.mib)
            size = piecewise.bytes
            let atOnce = try await peakAdded { try await SeriesQueryResponse(request, results: try await answer()).data.count }
            whole.append(atOnce.mib)
        }
        let total = residentMemory()
        print(
            String(
                format:
                    "largest series query (%d series x %d windows = %d points, %.1f MiB of JSON): peak added %.1f MiB streamed in 64 KiB pieces, %.1f MiB made as one text (%.2fx); process peak %.1f MiB",
                flows, windows, points, Double(size) / 1_048_576, streamed.sorted()[1], whole.sorted()[1],
                streamed.sorted()[1] / whole.sorted()[1], total.peak))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
