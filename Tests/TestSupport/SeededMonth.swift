import EtlworksAPI
import Foundation
import SQLiteDatabase
import Store

/// A database holding October 2026 in Europe/Berlin (which has a 25-hour day when DST
/// ends): runs of seven flows from three days before the month to three after, executions
/// polls every 10 minutes with a six-hour gap, two agents, hourly billing samples with
/// the usage counter restarting at the month's start, and SLA episodes on both sides of
/// its edges. `Expected` computes what a report must say straight from the seeds, sharing
/// no code with the exporter (days are cut with a DateFormatter, not a Calendar).
package struct SeededMonth: Sendable {
    package let path: String
    package let runs: [FlowRun]
    package let flows: [Flow]
    package let deletedFlow: Int64 = 6
    package let executionsPolls: [Int64]
    package let agentPolls: [(time: Int64, a1: Bool, a2: Bool)]
    package let billingPolls: [(time: Int64, used: Double)]
    package let episodes: [(rule: String, target: String, name: String, start: Int64, end: Int64?)]
    /// SLA observed time (epoch ms): the executions polls before the gap, and those after.
    package let observed: [(start: Int64, end: Int64)]
    package static let allowance = 600_000.0

    /// Local midnight of a Berlin date, epoch seconds.
    package static func berlin(_ text: String) -> Int64 {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Berlin")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return Int64(formatter.date(from: text)!.timeIntervalSince1970)
    }

    package static let monthStart = berlin("2026-10-01 00:00")
    package static let monthEnd = berlin("2026-11-01 00:00")
    package static let gapStart = berlin("2026-10-12 06:00")
    package static let gapSeconds: Int64 = 6 * 3600

    package static func make(in directory: URL) async throws -> SeededMonth {
        let path = directory.appendingPathComponent("seeded-month.db").path
        let hostile = [
            "orders \"daily\", EU", "line\nbreak", "<script>alert(1)</script>", "pipe | and *stars*",
            "=HYPERLINK(\"x\")", "deleted flow", "plain"
        ]
        let flows =
            (1...5).map { Flow(id: Int64($0), name: hostile[$0 - 1], tags: $0 % 2 == 0 ? ["critical", "a,b"] : []) }
            + [Flow(id: 6, name: hostile[5]), Flow(id: 8, name: "idle flow")]
        var random = SeededRandom(seed: 42)
        var runs: [FlowRun] = []
        let statuses: [RunStatus] = [.success, .success, .success, .warning, .error, .canceled, .unknown]
        let from = (monthStart - 3 * 86400) * 1000, to = (monthEnd + 3 * 86400) * 1000
        for index in 0..<4000 {
            let ended = from + Int64(random.next() % UInt64(to - from))
            let duration = Int64(random.next() % 7_200_000)
            let flowId = Int64(random.next() % 7) + 1 // 7: never listed
            let hasStart = random.next() % 10 != 0
            runs.append(
                FlowRun(
                    auditId: Int64(index + 1), flowId: flowId, status: statuses[Int(random.next() % 7)],
                    created: ended - duration - 1000, started: hasStart ? ended - duration : nil, ended: ended,
                    records: random.next() % 8 == 0 ? nil : Int64(random.next() % 10_000)))
        }
        // At the edges: the last millisecond before the month, its first, its last, the next month's first.
        for (offset, ended) in [monthStart * 1000 - 1, monthStart * 1000, monthEnd * 1000 - 1, monthEnd * 1000].enumerated() {
            runs.append(
                FlowRun(
                    auditId: Int64(10_000 + offset), flowId: 1, status: .error, created: ended - 5000,
                    started: ended - 5000, ended: ended, records: 1_000_000))
        }
        // Still running: counted nowhere.
        runs.append(
            FlowRun(
                auditId: 20_000, flowId: 2, status: .running, created: (monthStart + 86400) * 1000,
                started: (monthStart + 86400) * 1000, records: 5))

        let store = try SQLiteRunStore(path: path)
        _ = try await store.replaceFlows(flows, removeMissing: true)
        _ = try await store.ingest(runs, observedAt: monthEnd * 1000)
        _ = try await store.replaceFlows(flows.filter { $0.id != 6 }, removeMissing: true)
        await store.close()

        let series = try SeriesStore(path: path)
        var executionsPolls: [Int64] = []
        var agentPolls: [(Int64, Bool, Bool)] = []
        var time = monthStart - 3600 + 10
        var poll = 0
        while time < monthEnd + 3600 {
            if !(time >= gapStart && time < gapStart + gapSeconds) {
                try await series.append([Sample(SeriesKey("etlworks_flows"), .gauge, 7)], group: "executions", at: time)
                executionsPolls.append(time)
            }
            let a1 = poll % 10 != 3, a2 = time < monthStart + 10 * 86400
            try await series.append(
                [
                    Sample(
                        SeriesKey("etlworks_agent_up", [SeriesLabel("agent_id", "a1"), SeriesLabel("agent_name", "eu \"west\"")]),
                        .gauge, a1 ? 1 : 0),
                    Sample(
                        SeriesKey("etlworks_agent_up", [SeriesLabel("agent_id", "a2"), SeriesLabel("agent_name", "us")]), .gauge,
                        a2 ? 1 : 0)
                ],
                group: "agents", at: time)
            agentPolls.append((time, a1, a2))
            time += 600
            poll += 1
        }
        var billingPolls: [(Int64, Double)] = []
        for hour in -3..<(745 + 3) {
            let at = monthStart + Int64(hour) * 3600
            let used: Double = hour < 0 ? 900_000 + Double(hour) : hour < 745 ? 1000 * Double(hour) : 50 * Double(hour - 745)
            try await series.append(
                [
                    Sample(SeriesKey("etlworks_billing_records_used", [SeriesLabel("period", "month")]), .counter, used),
                    Sample(SeriesKey("etlworks_billing_records_allowance", [SeriesLabel("period", "month")]), .gauge, allowance),
                    Sample(
                        SeriesKey(
                            "etlworks_billing_subscription", [SeriesLabel("status", "active"), SeriesLabel("tier", "Business")]),
                        .gauge, 1)
                ], group: "billing", at: at)
            billingPolls.append((at, used))
        }
        while try await series.rollUp(now: monthEnd + 4 * 86400) {}
        await series.close()

        let episodes: [(String, String, String, Int64, Int64?)] = [
            ("fresh", "flow:1", hostile[0], (monthStart - 7200) * 1000, (monthStart + 3600) * 1000),
            ("fresh", "flow:1", hostile[0], (monthStart + 10 * 86400) * 1000, (monthStart + 10 * 86400 + 1800) * 1000),
            ("errors", "tenant", "tenant", (monthEnd - 600) * 1000, nil),
            ("errors", "flow:2", hostile[1], (monthEnd + 3600) * 1000, nil),
            ("errors", "flow:2", hostile[1], (monthStart - 5 * 3600) * 1000, (monthStart - 3600) * 1000)
        ]
        let beforeGap = executionsPolls.filter { $0 < gapStart }, afterGap = executionsPolls.filter { $0 >= gapStart }
        let observed = [(beforeGap.first! * 1000, beforeGap.last! * 1000), (afterGap.first! * 1000, afterGap.last! * 1000)]
        let connection = try SQLiteConnection(path: path, create: false)
        for span in observed {
            try connection.statement("INSERT INTO sla_observed (start_ms, end_ms) VALUES (?1, ?2)")
                .run(.integer(span.0), .integer(span.1))
        }
        for episode in episodes {
            try connection.statement(
                """
                INSERT INTO sla_episodes (rule, target, target_name, severity, start_ms, end_ms, peak, threshold)
                VALUES (?1, ?2, ?3, 'critical', ?4, ?5, 1, 0.5)
                """
            ).run(.text(episode.0), .text(episode.1), .text(episode.2), .integer(episode.3), .optional(episode.4))
        }
        connection.close()
        return SeededMonth(
            path: path, runs: runs, flows: flows, executionsPolls: executionsPolls,
            agentPolls: agentPolls.map { (time: $0.0, a1: $0.1, a2: $0.2) },
            billingPolls: billingPolls.map { (time: $0.0, used: $0.1) },
            episodes: episodes.map { (rule: $0.0, target: $0.1, name: $0.2, start: $0.3, end: $0.4) },
            observed: observed.map { (start: $0.0, end: $0.1) })
    }

    /// What the report must say, computed from the seeds.
    package struct Expected {
        package struct Figures: Equatable {
            package var runs = 0, records: Int64 = 0
            package var byStatus: [String: Int] = [:]
            package var durations: [Int64] = []

            package func percentile(_ p: Double) -> Double? {
                guard !durations.isEmpty else { return nil }
                let sorted = durations.sorted()
                return Double(sorted[max(1, Int((p * Double(sorted.count)).rounded(.up))) - 1]) / 1000
            }
        }
        package var tenant = Figures()
        package var flows: [Int64: Figures] = [:]
        package var days: [String: (runs: Int, errors: Int, records: Int64)] = [:]
    }

    package func expected() -> Expected {
        var expected = Expected()
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "Europe/Berlin")
        day.dateFormat = "yyyy-MM-dd"
        for run in runs {
            guard let ended = run.ended, run.status != .running, ended >= Self.monthStart * 1000, ended < Self.monthEnd * 1000
            else { continue }
            func add(_ figures: inout Expected.Figures) {
                figures.runs += 1
                figures.records += run.records ?? 0
                figures.byStatus[run.status.rawValue, default: 0] += 1
                if let started = run.started { figures.durations.append(ended - started) }
            }
            add(&expected.tenant)
            add(&expected.flows[run.flowId, default: .init()])
            let date = day.string(from: Date(timeIntervalSince1970: Double(ended) / 1000))
            var entry = expected.days[date] ?? (0, 0, 0)
            entry.runs += 1
            entry.errors += run.status == .error ? 1 : 0
            entry.records += run.records ?? 0
            expected.days[date] = entry
        }
        return expected
    }
}

/// SplitMix64, for seeds the test owns.
package struct SeededRandom {
    package var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
