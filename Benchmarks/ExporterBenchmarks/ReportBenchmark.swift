import CSQLite
import EtlworksAPI
import Foundation
import Reports
import Store

/// The monthly usage report at 2,000 flows: October 2026 (31 days, UTC) with every flow
/// running every hour (1.49 million runs), executions polled every 30 s, ten agents,
/// hourly billing and 5,000 SLA episodes. Times the report in process (median of 5), against
/// a baseline written the obvious way in the same process (every run as a row object,
/// grouped in dictionaries, sorted for percentiles, a Calendar for each run's day), and
/// runs the release `report usage` command for its wall time and peak memory.
enum ReportBenchmark {
    static func run(flows count: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // BENCH_REPORT_DB keeps the generated database between runs.
        let kept = ProcessInfo.processInfo.environment["BENCH_REPORT_DB"]
        let path = kept ?? directory.appendingPathComponent("report.db").path
        let utc = TimeZone(identifier: "UTC")!
        let month = ReportMonth(year: 2026, month: 10, timeZone: utc)
        if !(kept.map { FileManager.default.fileExists(atPath: $0) } ?? false) {
            let start = ContinuousClock.now
            let runs = try await seed(path: path, month: month, flows: count)
            print(
                String(
                    format: "report: %d flows, %d runs in %@ stored in %.1f s", count, runs, month.label,
                    seconds(ContinuousClock.now - start)))
        }
        // The command as an operator runs it: wall time and peak resident memory of the process.
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "etlworks-exporter")
        if !FileManager.default.isExecutableFile(atPath: binary.path) {
            print("report: \(binary.path) not built; skipping the command (swift build -c release --product etlworks-exporter)")
        }
        for format in ["json", "html"] where FileManager.default.isExecutableFile(atPath: binary.path) {
            var walls: [Double] = []
            var peak = 0.0
            for _ in 0..<3 {
                let process = Process()
                process.executableURL = binary
                // --stats prints the command's own peak: a child's rusage would include the
                // memory of this process, which it shares until exec.
                process.arguments = [
                    "report", "usage", "--month", month.label, "--storage.path", path, "--format", format,
                    "--output", directory.appendingPathComponent("report.\(format)").path, "--stats"
                ]
                let errors = Pipe()
                process.standardError = errors
                let start = ContinuousClock.now
                try process.run()
                let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                walls.append(seconds(ContinuousClock.now - start))
                precondition(process.terminationStatus == 0, output)
                let line = output.split(separator: "\n").first { $0.hasPrefix("stats: peak resident ") }
                peak = max(peak, line.flatMap { Double($0.split(separator: " ")[3]) } ?? .nan)
            }
            walls.sort()
            print(
                String(
                    format: "report: `report usage --format %@`: median %.2f s wall, peak resident %.1f MiB",
                    format, walls[1], peak))
        }

        let now = Date(timeIntervalSince1970: Double(month.end) / 1000 + 86400)
        var report: UsageReport?
        var timings: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            let built = try await UsageReportBuilder.build(path: path, month: month, now: now)
            _ = built.rendered(as: .json)
            _ = built.rendered(as: .html)
            timings.append(seconds(ContinuousClock.now - start))
            report = built
        }
        timings.sort()
        let median = timings[timings.count / 2]
        print(
            String(
                format: "report: %d runs, %d flows: build + JSON + HTML median %.2f s (min %.2f, max %.2f)",
                report?.tenant.runs ?? 0, report?.flows.count ?? 0, median, timings.first!, timings.last!))

        var baselines: [Double] = []
        for _ in 0..<3 {
            let start = ContinuousClock.now
            let runs = try baseline(path: path, month: month)
            precondition(runs == report?.tenant.runs, "baseline counted \(runs) runs")
            baselines.append(seconds(ContinuousClock.now - start))
        }
        baselines.sort()
        let baselineMedian = baselines[baselines.count / 2]
        print(
            String(
                format: "report: baseline (rows as objects, sorted percentiles, Calendar per run) median %.2f s: %.1fx slower",
                baselineMedian, baselineMedian / median))

    }

    /// What someone would write first: every run a row object, grouped in dictionaries,
    /// durations sorted for percentiles, each run's day from a Calendar.
    static func baseline(path: String, month: ReportMonth) throws -> Int64 {
        struct Row {
            var flowId: Int64
            var status: String
            var endMs: Int64
            var durationMs: Int64?
            var records: Int64?
        }
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            throw BenchmarkError("cannot open \(path)")
        }
        defer { sqlite3_close(handle) }
        var statement: OpaquePointer?
        sqlite3_prepare_v2(
            handle,
            """
            SELECT flow_id, status, coalesce(ended_ms, updated_ms), ended_ms - started_ms, records FROM runs
            WHERE state = 1 AND coalesce(ended_ms, updated_ms) >= ?1 AND coalesce(ended_ms, updated_ms) < ?2
            """, -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        sqlite3_bind_int64(statement, 1, month.start)
        sqlite3_bind_int64(statement, 2, month.end)
        func optional(_ column: Int32) -> Int64? {
            sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
        }
        var rows: [Row] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            rows.append(
                Row(
                    flowId: sqlite3_column_int64(statement, 0), status: String(cString: sqlite3_column_text(statement, 1)),
                    endMs: sqlite3_column_int64(statement, 2), durationMs: optional(3), records: optional(4)))
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = month.timeZone
        func figures(_ rows: [Row]) -> (Int, [String: Int], Double?, Double?, Int64) {
            let durations = rows.compactMap(\.durationMs).sorted()
            func rank(_ p: Double) -> Double? {
                durations.isEmpty ? nil : Double(durations[max(1, Int((p * Double(durations.count)).rounded(.up))) - 1]) / 1000
            }
            return (
                rows.count, Dictionary(grouping: rows, by: \.status).mapValues(\.count), rank(0.5), rank(0.95),
                rows.reduce(0) { $0 + ($1.records ?? 0) }
            )
        }
        let tenant = figures(rows)
        let perFlow = Dictionary(grouping: rows, by: \.flowId).mapValues(figures)
        var days: [Int: (runs: Int, errors: Int, records: Int64)] = [:]
        for row in rows {
            let day = calendar.component(.day, from: Date(timeIntervalSince1970: Double(row.endMs) / 1000))
            var entry = days[day] ?? (0, 0, 0)
            entry.runs += 1
            if row.status == "error" { entry.errors += 1 }
            entry.records += row.records ?? 0
            days[day] = entry
        }
        precondition(perFlow.count > 0 && days.count > 0)
        return Int64(tenant.0)
    }

    static func seed(path: String, month: ReportMonth, flows count: Int) async throws -> Int {
        let store = try SQLiteRunStore(path: path)
        let flows: [Flow] = (0..<count).map { (index: Int) -> Flow in
            let name = index % 4 == 0 ? "orders load \(index)" : "warehouse load \(index)"
            return Flow(id: Int64(1000 + index), name: name, tags: [index % 3 == 0 ? "nightly" : "hourly"])
        }
        _ = try await store.replaceFlows(flows, removeMissing: true)
        var audit: Int64 = 1, total = 0
        var runs: [FlowRun] = []
        runs.reserveCapacity(50_000)
        var hour = month.start
        while hour < month.end {
            for flow in flows {
                let seed = UInt64(bitPattern: audit) &* 0x9E37_79B9_7F4A_7C15
                let duration = Int64(60_000 + (seed >> 20) % 1_500_000)
                let status: RunStatus = seed % 100 < 4 ? .error : seed % 100 < 6 ? .warning : .success
                let started = hour + (flow.id % 60) * 1000
                runs.append(
                    FlowRun(
                        auditId: audit, flowId: flow.id, status: status, created: started - 1000, started: started,
                        ended: started + duration, records: Int64((seed >> 40) % 10_000)))
                audit += 1
            }
            if runs.count >= 40_000 {
                total += runs.count
                _ = try await store.ingest(runs, observedAt: month.end)
                runs.removeAll(keepingCapacity: true)
            }
            hour += 3_600_000
        }
        total += runs.count
        _ = try await store.ingest(runs, observedAt: month.end)
        await store.close()

        // Executions polled every 30 s; the report reads only when, so the rows go in directly.
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw BenchmarkError("cannot open \(path)") }
        defer { sqlite3_close(handle) }
        sqlite3_exec(handle, "BEGIN IMMEDIATE", nil, nil, nil)
        var insert: OpaquePointer?
        sqlite3_prepare_v2(handle, "INSERT OR IGNORE INTO polls (ts, grp) VALUES (?1, 'executions')", -1, &insert, nil)
        for time in stride(from: month.start / 1000, to: month.end / 1000, by: 30) {
            sqlite3_bind_int64(insert, 1, time)
            guard sqlite3_step(insert) == SQLITE_DONE else { throw BenchmarkError("insert failed") }
            sqlite3_reset(insert)
        }
        sqlite3_finalize(insert)
        var episode: OpaquePointer?
        sqlite3_prepare_v2(
            handle,
            """
            INSERT INTO sla_episodes (rule, target, target_name, severity, start_ms, end_ms, peak, threshold)
            VALUES (?1, ?2, ?3, 'warning', ?4, ?5, 1, 0.5)
            """, -1, &episode, nil)
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for index in 0..<5000 {
            let start = month.start + Int64(index) * (month.end - month.start) / 5000
            sqlite3_bind_text(episode, 1, "rule-\(index % 20)", -1, transient)
            sqlite3_bind_text(episode, 2, "flow:\(1000 + index % count)", -1, transient)
            sqlite3_bind_text(episode, 3, "flow \(index % count)", -1, transient)
            sqlite3_bind_int64(episode, 4, start)
            sqlite3_bind_int64(episode, 5, start + Int64(index % 7 + 1) * 600_000)
            guard sqlite3_step(episode) == SQLITE_DONE else { throw BenchmarkError("insert failed") }
            sqlite3_reset(episode)
        }
        sqlite3_finalize(episode)
        sqlite3_exec(handle, "COMMIT", nil, nil, nil)
        let series = try SeriesStore(path: path)
        for time in stride(from: month.start / 1000, to: month.end / 1000, by: 300) {
            try await series.append(
                (0..<10).map { agent in
                    Sample(
                        SeriesKey(
                            "etlworks_agent_up",
                            [SeriesLabel("agent_id", String(agent)), SeriesLabel("agent_name", "agent-\(agent)")]),
                        .gauge, (time / 300 + Int64(agent)) % 50 == 0 ? 0 : 1)
                }, group: "agents", at: time)
            if time % 3600 == 0 {
                let used = Double(time - month.start / 1000) * 300
                try await series.append(
                    [
                        Sample(SeriesKey("etlworks_billing_records_used", [SeriesLabel("period", "month")]), .counter, used),
                        Sample(SeriesKey("etlworks_billing_records_allowance", [SeriesLabel("period", "month")]), .gauge, 1e9),
                        Sample(
                            SeriesKey(
                                "etlworks_billing_subscription",
                                [SeriesLabel("status", "active"), SeriesLabel("tier", "Business")]), .gauge, 1)
                    ], group: "billing", at: time)
            }
        }
        while try await series.rollUp(now: month.end / 1000 + 86400) {}
        await series.close()
        return total
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
