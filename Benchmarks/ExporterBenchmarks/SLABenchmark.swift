import CSQLite
import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import ExporterCore
import Foundation
import Logging
import SLA
import SLAStore
import Store
import Vocabulary

/// SLA evaluation: 20 rules over N flows with 30 days of hourly runs (1.44 million at 2,000
/// flows), against a baseline that asks SQLite for each window the obvious way.
enum SLABenchmark {
    static let day: Double = 86400

    static func rules() throws -> [SLARule] {
        let all = SLATargetSelector.flows(FlowSelector())
        func flows(_ tags: Set<String> = [], names: [String] = []) throws -> SLATargetSelector {
            .flows(FlowSelector(names: try names.map { try Glob($0) }, tags: tags))
        }
        return [
            SLARule(name: "max-duration", target: all, condition: .maxDuration(seconds: 3000)),
            SLARule(name: "max-duration-schedule", target: all, condition: .maxDuration(seconds: nil)),
            SLARule(name: "p95-24h", target: all, condition: .durationPercentile(p: 0.95, max: 2400, window: day)),
            SLARule(name: "p99-7d", target: all, condition: .durationPercentile(p: 0.99, max: 3000, window: 7 * day)),
            SLARule(
                name: "p50-30d", target: try flows(["nightly"]),
                condition: .durationPercentile(p: 0.5, max: 1200, window: 30 * day)),
            SLARule(name: "errors-1h", target: all, condition: .errorRate(max: 0.5, window: 3600, minRuns: 1), holdFor: 300),
            SLARule(name: "errors-24h", target: all, condition: .errorRate(max: 0.05, window: day, minRuns: 5)),
            SLARule(name: "errors-7d", target: all, condition: .errorRate(max: 0.05, window: 7 * day, minRuns: 5)),
            SLARule(name: "fresh-6h", target: all, condition: .maxSinceSuccess(seconds: 6 * 3600)),
            SLARule(
                name: "fresh-2h", target: try flows(["critical"]), condition: .maxSinceSuccess(seconds: 7200), severity: .critical
            ),
            SLARule(name: "queued", target: all, condition: .maxQueued(seconds: 600)),
            SLARule(name: "streak-3", target: all, condition: .consecutiveFailures(3)),
            SLARule(name: "streak-5", target: try flows(names: ["orders*"]), condition: .consecutiveFailures(5)),
            SLARule(name: "cadence", target: all, condition: .missedSchedule(grace: 600)),
            SLARule(name: "slo-30d", target: all, condition: .objective(target: 0.99, window: 30 * day)),
            SLARule(name: "slo-7d", target: try flows(["critical"]), condition: .objective(target: 0.95, window: 7 * day)),
            SLARule(
                name: "slo-orders", target: try flows(names: ["orders*"]), condition: .objective(target: 0.999, window: 30 * day)),
            SLARule(
                name: "errors-orders", target: try flows(names: ["orders*"]),
                condition: .errorRate(max: 0.01, window: day, minRuns: 1)),
            SLARule(name: "agents", target: .agents([try Glob("*")]), condition: .agentOffline(for: 300)),
            SLARule(name: "allowance", target: .tenant, condition: .billingUsage(maxRatio: 0.9, period: .month))
        ]
    }

    /// The conditions of #26, added unless `BENCH_SLA_RULES=before` (the rules the commit
    /// before had, for a like-for-like figure).
    static func flowKindRules() throws -> [SLARule] {
        let all = SLATargetSelector.flows(FlowSelector())
        let streaming = SLATargetSelector.flows(FlowSelector(kinds: [.streaming]))
        return [
            SLARule(
                name: "done-by-six", target: all,
                condition: .deadline(
                    Deadline(
                        at: 6 * 3600, timeZone: TimeZone(identifier: "Europe/Berlin"), days: Set(2...6), holidays: ["2026-12-25"])
                )),
            SLARule(name: "slo-7d-min-runs", target: all, condition: .objective(target: 0.97, window: 7 * day, minRuns: 24)),
            SLARule(name: "stream-latency", target: streaming, condition: .streamLatency(max: 600)),
            SLARule(name: "stream-stalled", target: streaming, condition: .streamStalled(for: 1800))
        ]
    }

    /// A nightly window over the nightly flows, and a one-off window over every flow a week ago.
    static func maintenance(now: Double) throws -> [MaintenanceWindow] {
        [
            MaintenanceWindow(
                name: "nightly", flows: FlowSelector(tags: ["nightly"]),
                timing: .recurring(cron: try FlowCadence(schedule: "0 0 1 * * ?"), duration: 2 * 3600, timeZone: nil)),
            MaintenanceWindow(name: "upgrade", timing: .once(start: now - 7 * day, end: now - 7 * day + 4 * 3600))
        ]
    }

    static func run(flows count: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sla-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // BENCH_SLA_DB keeps the generated database between runs (for profiling).
        let kept = ProcessInfo.processInfo.environment["BENCH_SLA_DB"]
        let reuse = kept.map { FileManager.default.fileExists(atPath: $0) } ?? false
        let path = kept ?? directory.appendingPathComponent("sla.db").path
        let generatedAt =
            reuse ? Double((try? String(contentsOfFile: path + ".now", encoding: .utf8)).flatMap { Double($0) } ?? 0) : 0
        let now = reuse ? generatedAt : (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000
        let nowMs = Int64(now * 1000)
        if !reuse, kept != nil { try String(now).write(toFile: path + ".now", atomically: true, encoding: .utf8) }

        // 30 days of hourly runs per flow, 4% errors, run times 5-45 minutes.
        let store = try SQLiteRunStore(path: path)
        var flows: [Flow] = []
        for index in 0..<count {
            let name = index % 4 == 0 ? "orders load \(index)" : "warehouse load \(index)"
            var tags = [index % 3 == 0 ? "nightly" : "hourly"]
            if index % 5 == 0 { tags.append("critical") }
            flows.append(Flow(id: Int64(1000 + index), name: name, tags: tags))
        }
        _ = try await store.replaceFlows(flows, removeMissing: true)
        let loadStart = ContinuousClock.now
        if !reuse {
            var audit: Int64 = 1
            var runs: [FlowRun] = []
            runs.reserveCapacity(50_000)
            var total = 0
            for hour in 0..<(30 * 24) {
                let hourStart = nowMs - Int64(30 * 24 - hour) * 3_600_000
                for flow in flows {
                    let seed = UInt64(bitPattern: audit) &* 0x9E3779B97F4A7C15
                    let duration = Int64(300_000 + (seed >> 20) % 2_400_000)
                    let status: RunStatus = seed % 100 < 4 ? .error : .success
                    let started = hourStart + (flow.id % 60) * 1000
                    runs.append(
                        FlowRun(
                            auditId: audit, flowId: flow.id, status: status, created: started - 1000, started: started,
                            ended: started + duration, records: 100))
                    audit += 1
                }
                if runs.count >= 40_000 {
                    total += runs.count
                    _ = try await store.ingest(runs, observedAt: nowMs)
                    runs.removeAll(keepingCapacity: true)
                }
            }
            total += runs.count
            _ = try await store.ingest(runs, observedAt: nowMs)
            print(
                String(
                    format: "sla: %d flows, %d runs over 30 days stored in %.1f s", count, total,
                    seconds(ContinuousClock.now - loadStart)))
        }

        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        await state.setSchedules(
            flows.map {
                FlowSchedule(
                    id: $0.id, flowId: $0.id, schedule: $0.id % 3 == 0 ? "0 0 * * * ?" : "3600",
                    expectedSeconds: 2400)
            })
        await state.setAgents((0..<10).map { Agent(id: Int64($0), name: "agent-\($0)", online: $0 != 3) })
        await state.setSubscription(Subscription(monthlyAllowance: 1_000_000_000, monthUsed: 400_000_000))
        let before = ProcessInfo.processInfo.environment["BENCH_SLA_RULES"] == "before"
        let rules = try rules() + (before ? [] : flowKindRules())
        // 50 flows are change-data-capture streams, 10 of them stalled for an hour.
        let streams = flows.suffix(50)
        if !before {
            await state.setStreamingFlows(FlowSelector(ids: Set(streams.map(\.id))))
            var statuses: [Int64: StreamStatus] = [:]
            for (index, flow) in streams.enumerated() {
                var status = StreamStatus()
                let readAt = nowMs - (index < 10 ? 3_600_000 : 0)
                status.observe(
                    auditId: flow.id, runStarted: nowMs - 86_400_000, counter: 1000, latencySeconds: Double(index * 30),
                    taskStarted: nowMs - 86_400_000, at: readAt)
                status.observe(
                    auditId: flow.id, runStarted: nowMs - 86_400_000, counter: index < 10 ? 1000 : 2000,
                    latencySeconds: Double(index * 30), taskStarted: nowMs - 86_400_000, at: nowMs)
                statuses[flow.id] = status
            }
            await state.setStreams(statuses)
        }
        let memoryBefore = residentMemory().current
        let engine = SLAEngine(
            rules: rules, store: try SLAStateStore(path: path), runStore: store, host: state, alerts: nil,
            timeZone: nil, replayStep: 30, maintenance: before ? [] : try maintenance(now: now), logger: Logger(label: "bench"))
        if ProcessInfo.processInfo.environment["BENCH_SLA_PER_RULE"] != nil {
            try await replayPerRule(rules: rules, store: store, flows: flows, now: now)
            return
        }
        let startClock = ContinuousClock.now
        try await engine.start(now: now)
        let startSeconds = seconds(ContinuousClock.now - startClock)
        MemoryTuning.trim()
        let memoryAfter = residentMemory().current
        // Replay (#15): every rule stored runs decide, over the 30 days, at a 30 s poll
        // cadence. The peak is reset first (writing 5 to clear_refs), so it is the replay's.
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let replayBefore = residentMemory().current
        let replayClock = ContinuousClock.now
        await engine.replay(now: now, wait: .zero)
        let replaySeconds = seconds(ContinuousClock.now - replayClock)
        let replayPeak = residentMemory().peak
        let replayed = try await SLAStateStore(path: path).episodes(from: 0, to: Int64.max).filter(\.replayed).count
        print(
            String(
                format:
                    "sla replay: %d rules over 30 days (%d episodes found): %.2f s; resident memory %.0f MiB, peak %.0f MiB (+%.0f MiB)",
                rules.filter { SLAReplay.replaysRuns($0.condition) }.count, replayed, replaySeconds, replayBefore, replayPeak,
                replayPeak - replayBefore))
        var timings: [Double] = []
        var results = 0, breaching = 0
        let rounds = ProcessInfo.processInfo.environment["BENCH_SLA_ROUNDS"].flatMap { Int($0) } ?? 15
        for round in 0..<rounds {
            let clock = ContinuousClock.now
            let snapshot = await engine.evaluate(now: now + Double(round))
            timings.append(seconds(ContinuousClock.now - clock))
            results = snapshot.results.count
            breaching = snapshot.results.filter { $0.phase == .breaching }.count
        }
        if ProcessInfo.processInfo.environment["BENCH_SLA_VERBOSE"] != nil {
            print("sla: each evaluation, ms: " + timings.map { String(format: "%.0f", $0 * 1000) }.joined(separator: " "))
        }
        timings.sort()
        print(
            String(
                format: "sla: start (load the windows from the database) %.2f s; resident memory %.0f -> %.0f MiB", startSeconds,
                memoryBefore, memoryAfter))
        print(
            String(
                format: "sla: evaluate %d rules, %d (rule, target) results, %d breaching: median %.1f ms (min %.1f, max %.1f)",
                rules.count, results, breaching, timings[timings.count / 2] * 1000, timings.first! * 1000, timings.last! * 1000))

        // Baseline: each window-based rule asked of SQLite, one GROUP BY per rule.
        if ProcessInfo.processInfo.environment["BENCH_SLA_SKIP_BASELINE"] != nil { return }
        let baseline = try windowQueriesBaseline(path: path, nowMs: nowMs, rules: rules)
        let ours = timings[timings.count / 2]
        print(
            String(
                format:
                    "sla baseline (one SQL GROUP BY per window rule, table scan; counts and averages only): median %.1f ms; ratio baseline/ours %.1fx",
                baseline * 1000, baseline / ours))
    }

    /// Each replayed rule's replay time over the first 200 flows, their runs read beforehand:
    /// where a replay's time goes.
    static func replayPerRule(rules: [SLARule], store: SQLiteRunStore, flows: [Flow], now: Double) async throws {
        let from = now - 30 * day
        var loaded: [(FlowRecord, SLAReplay.Runs)] = []
        for flow in flows.prefix(200) {
            let record = FlowRecord(id: flow.id, name: flow.name, tags: flow.tags)
            let runs = try await store.runTimes(flowId: flow.id, since: Int64((from - 30 * day) * 1000))
            loaded.append((record, SLAReplay.Runs(runs)))
        }
        let schedules = FlowSchedule(id: 1, flowId: 1, schedule: "3600", expectedSeconds: 2400)
        let only = ProcessInfo.processInfo.environment["BENCH_SLA_RULE"]
        for rule in rules where SLAReplay.replaysRuns(rule.condition) && (only == nil || only == rule.name) {
            var evaluator = SLAConditionEvaluator()
            var evaluations = 0, episodes = 0
            let clock = ContinuousClock.now
            let repeats = ProcessInfo.processInfo.environment["BENCH_SLA_REPEAT"].flatMap { Int($0) } ?? 1
            for (flow, runs) in Array(repeating: loaded, count: repeats).joined() {
                guard case .flows(let selector) = rule.target, selector.matches(flow) else { continue }
                var schedule = schedules
                schedule.id = flow.id
                schedule.flowId = flow.id
                schedule.schedule = flow.id % 3 == 0 ? "0 0 * * * ?" : "3600"
                let outcome = SLAReplay.replay(
                    rule, flow: flow, runs: runs, schedules: [schedule], from: from, to: now, step: 30,
                    scheduleTimeZone: TimeZone(identifier: "UTC")!, evaluator: &evaluator)
                evaluations += outcome.evaluations
                episodes += outcome.episodes.count
            }
            print(
                String(
                    format: "sla replay per rule: %@ %.0f ms, %d evaluations, %d episodes", rule.name,
                    seconds(ContinuousClock.now - clock) * 1000, evaluations, episodes))
        }
    }

    /// The obvious way: a GROUP BY over the stored runs for every rule with a window (using
    /// the index on end time), on a read-only connection of its own.
    static func windowQueriesBaseline(path: String, nowMs: Int64, rules: [SLARule]) throws -> Double {
        var database: OpaquePointer?
        guard sqlite3_open_v2(path, &database, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { return .nan }
        defer { sqlite3_close_v2(database) }
        var statement: OpaquePointer?
        // A table scan: SQLite's own plan (the index on end time, then a seek per row) takes
        // over ten times longer when the window covers most runs.
        let sql = """
            SELECT flow_id, count(*), sum(status = 'error'), avg(ended_ms - started_ms) FROM runs NOT INDEXED
            WHERE state = 1 AND coalesce(ended_ms, updated_ms) > ?1 GROUP BY flow_id
            """
        guard sqlite3_prepare_v2(database, sql, -1, &statement, nil) == SQLITE_OK else { return .nan }
        defer { sqlite3_finalize(statement) }
        var windows: [Double] = []
        for rule in rules {
            switch rule.condition {
            case .errorRate(_, let window, _), .durationPercentile(_, _, let window), .objective(_, let window, _):
                windows.append(window)
            default: break
            }
        }
        var timings: [Double] = []
        var rows = 0
        for _ in 0..<3 {
            let clock = ContinuousClock.now
            for window in windows {
                sqlite3_reset(statement)
                sqlite3_bind_int64(statement, 1, nowMs - Int64(window * 1000))
                while sqlite3_step(statement) == SQLITE_ROW { rows += 1 }
            }
            timings.append(seconds(ContinuousClock.now - clock))
        }
        timings.sort()
        return rows > 0 ? timings[timings.count / 2] : .nan
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
