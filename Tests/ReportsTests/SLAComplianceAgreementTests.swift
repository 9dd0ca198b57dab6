import EtlworksAPI
import ExporterApp
import ExporterBase
import ExporterCore
import Exposition
import Foundation
import Logging
import SLAStore
import SQLiteDatabase
import Store
import TestSupport
import Testing
import Vocabulary

@testable import Reports
@testable import SLA

/// One compliance everywhere: for every (rule, target) of a seeded month, the metric, the
/// SLA API, the `/sla` page, `sla status` and the usage report give the same figure for the
/// month so far, to the last digit.
@Suite struct SLAComplianceAgreementTests {
    static let utc = TimeZone(identifier: "UTC")!
    /// 2026-10-20 12:00:00 UTC: twenty days of the month observed, with gaps.
    static let now: Double = 1_792_497_600
    static let monthStart: Int64 = 1_790_812_800_000

    @Test(.requires("promtool")) func everySurfaceGivesTheSameComplianceForEveryRuleAndTarget() async throws {
        let directory = try Tools.temporaryDirectory()
        let path = directory.appendingPathComponent("agreement.db").path
        let nowMs = Int64(Self.now * 1000)
        let rules = [
            SLARule(name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(1)),
            SLARule(name: "slow", target: .flows(FlowSelector()), condition: .maxDuration(seconds: 3600), severity: .warning)
        ]
        let store = try SQLiteRunStore(path: path)
        _ = try await store.replaceFlows(
            (1...12).map { Flow(id: Int64($0), name: $0 == 3 ? "orders \"EU\" | <b>\n" : "flow \($0)") }, removeMissing: true)

        // Observed time: from a week before the month, with gaps of 10 minutes to a day.
        var random = SeededRandom(seed: 7)
        var observed: [(Int64, Int64)] = []
        var time = Self.monthStart - 7 * 86_400_000
        while time < nowMs - 120_000 {
            let length = Int64(random.next() % 3) * 86_400_000 + Int64(random.next() % 86_400_000) + 60_000
            let end = min(time + length, nowMs - 30_000)
            observed.append((time, end))
            time = end + 600_000 + Int64(random.next() % 86_400_000)
        }
        // Episodes: closed ones anywhere (before the month, across its start, in gaps), and
        // open ones the first evaluation resolves (their flows have no runs).
        var episodes: [(String, String, String, Int64, Int64?)] = []
        var openStates: [(String, String, Int64)] = []
        for flow in 1...10 {
            for rule in rules where random.next() % 4 != 0 {
                var start = Self.monthStart - 3 * 86_400_000 + Int64(random.next() % 86_400_000)
                while start < nowMs - 7_200_000 {
                    let end = start + 60_000 + Int64(random.next() % 30_000_000)
                    if end >= nowMs || (flow <= 3 && random.next() % 6 == 0) {
                        episodes.append(
                            (rule.name, "flow:\(flow)", flow == 3 ? "orders \"EU\" | <b>\n" : "flow \(flow)", start, nil))
                        openStates.append((rule.name, "flow:\(flow)", start))
                        break
                    }
                    episodes.append((rule.name, "flow:\(flow)", "flow \(flow)", start, end))
                    start = end + 600_000 + Int64(random.next() % 200_000_000)
                }
            }
        }
        let connection = try SQLiteConnection(path: path, create: false)
        for span in observed {
            try connection.statement("INSERT INTO sla_observed (start_ms, end_ms) VALUES (?1, ?2)")
                .run(.integer(span.0), .integer(span.1))
        }
        for episode in episodes {
            let id = try connection.statement(
                """
                INSERT INTO sla_episodes (rule, target, target_name, severity, start_ms, end_ms, peak, threshold)
                VALUES (?1, ?2, ?3, 'critical', ?4, ?5, 1, 0.5) RETURNING id
                """)
            try id.bind(.text(episode.0), .text(episode.1), .text(episode.2), .integer(episode.3), .optional(episode.4))
            _ = try id.step()
            let episodeId = id.int(0)
            id.reset()
            if episode.4 == nil {
                try connection.statement(
                    "INSERT INTO sla_state (rule, target, phase, since_ms, episode_id) VALUES (?1, ?2, 2, ?3, ?4)"
                ).run(.text(episode.0), .text(episode.1), .integer(episode.3), .integer(episodeId))
            }
        }
        connection.close()
        #expect(openStates.count >= 2 && episodes.count > 40, "the seed has open and closed episodes: \(episodes.count)")

        // The engine evaluates once, on a fresh poll; the open episodes end now.
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows(try await store.flowMetrics())
        await state.recordPoll(
            .executions, started: Date(timeIntervalSince1970: Self.now - 10), duration: 0, error: nil, apiAnswered: true)
        let engine = SLAEngine(
            rules: rules, store: try SLAStateStore(path: path), runStore: store, host: state, alerts: nil,
            timeZone: Self.utc, logger: Logger(label: "test"))
        try await engine.start(now: Self.now)
        let snapshot = await engine.evaluate(now: Self.now)
        #expect(snapshot.results.count == 24)

        // The usage report for the month so far.
        let report = try await UsageReportBuilder.build(
            path: path, month: ReportMonth(year: 2026, month: 10, timeZone: Self.utc), now: Date(timeIntervalSince1970: Self.now))
        let reported = Dictionary(uniqueKeysWithValues: report.sla.map { ("\($0.rule) \($0.targetKey)", $0) })
        // JSONDecoder, not JSONSerialization: the latter reads some doubles one ulp off on Linux.
        let reportJSON = try JSONDecoder().decode(ReportSLA.self, from: Data(report.rendered(as: .json).utf8))
        let reportedJSON = Dictionary(
            uniqueKeysWithValues: reportJSON.sla.map { ("\($0.sla) \($0.target.kind):\($0.target.id)", $0.compliance) })
        let markdown = report.rendered(as: .markdown)

        // The API, the table `sla status` prints from it, the page and the metric.
        let api = JSONDocument.encode(SLADocument(await state.snapshot().sla, onlyBreaching: false))
        let document = try JSONDecoder().decode(SLADocument.self, from: api)
        let table = try SLAStatusTable.render(api, all: true)
        let page = SLAPage.render(await state.snapshot().sla, episodes: [], now: Self.now)
        let exposition = String(decoding: MetricsRenderer.render(await state.snapshot(), format: .prometheusText), as: UTF8.self)
        let complianceLines = exposition.split(separator: "\n").filter {
            $0.hasPrefix("etlworks_sla_compliance_ratio{") && $0.contains("window=\"month\"")
        }
        #expect(try await Tools.promtoolCheck(Data(exposition.utf8)) == "")

        let rows: [String] = table.split(separator: "\n").map(String.init)
        var breached = 0
        for result in snapshot.results {
            let key = "\(result.rule) \(result.target.key)"
            let engineValue = try #require(result.complianceMonth, "\(key)")
            let id = String(result.target.id)
            let entry = try #require(document.results.first { $0.sla == result.rule && $0.target.id == result.target.id })
            #expect(entry.complianceMonth == engineValue, "\(key): API")
            let metric = complianceLines.first { $0.contains("sla=\"\(result.rule)\"") && $0.contains("flow_id=\"\(id)\"") }
            #expect(metric.flatMap { Double($0.split(separator: " ").last ?? "") } == engineValue, "\(key): metric")
            let shownName: String = "flow " + result.target.name.replacingOccurrences(of: "\n", with: "?") + " "
            let row: String? = rows.first { line in
                line.hasPrefix("ok ") && line.contains(" \(result.rule) ") && line.contains(shownName)
            }
            let percent: String = PercentText.format(engineValue)
            #expect(row?.contains(" \(percent) ") == true, "\(key): sla status")
            guard let usage = reported[key] else {
                #expect(engineValue == 1, "\(key): no breach in the month, so whole compliance")
                continue
            }
            breached += 1
            #expect(usage.compliance == engineValue, "\(key): report")
            #expect(reportedJSON[key] == engineValue, "\(key): report JSON")
            #expect(markdown.contains(PercentText.format(engineValue)), "\(key): report Markdown")
        }
        #expect(breached >= 10, "most targets breached in the month")
        for rule in rules {
            let values: [Double] = snapshot.results.filter { $0.rule == rule.name }.compactMap { $0.complianceMonth }
            let lowest = try #require(values.min())
            #expect(lowest < 1)
            #expect(page.contains("<td class=\"num\">\(PercentText.format(lowest))</td></tr>"), "\(rule.name): /sla")
        }
    }

    struct ReportSLA: Decodable {
        struct Entry: Decodable {
            struct Target: Decodable {
                let kind: String
                let id: Int64
            }
            let sla: String
            let target: Target
            let compliance: Double?
        }
        let sla: [Entry]
    }
}
