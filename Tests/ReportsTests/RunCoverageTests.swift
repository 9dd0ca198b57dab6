import EtlworksAPI
import Foundation
import TestSupport
import Testing

@testable import Reports
@testable import Store

/// The usage report tells runs, read from the API's history and counted exactly, from the
/// series sampled at each poll: an exporter started two hours ago with ten days of history
/// backfilled counts ten days of runs, however little of the month its polls cover.
struct RunCoverageTests {
    static let october1: Int64 = 1_790_812_800 // 2026-10-01T00:00:00Z
    static let day: Int64 = 86400

    @Test func backfilledRunsAreCountedApartFromSampledCoverage() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("run-coverage.db").path
        let historyStart = Self.october1 + 9 * Self.day, now = Self.october1 + 19 * Self.day
        let store = try SQLiteRunStore(path: path)
        _ = try await store.replaceFlows([Flow(id: 1, name: "orders")], removeMissing: true)
        // A run an hour through the ten days of history, all read by the first poll's backfill.
        let runs = (0..<240).map { (hour: Int64) in
            let ended = (historyStart + hour * 3600 + 1800) * 1000
            return FlowRun(
                auditId: hour + 1, flowId: 1, status: .success, created: ended - 60_000, started: ended - 60_000, ended: ended,
                records: 10)
        }
        _ = try await store.ingest(runs, observedAt: now * 1000)
        try await store.setMeta(RunHistory.startKey, String(Double(historyStart)))
        await store.close()
        // Polled for the last two hours only.
        let series = try SeriesStore(path: path)
        for poll in stride(from: now - 7200, to: now, by: 300) {
            try await series.append([Sample(SeriesKey("etlworks_flows"), .gauge, 1)], group: "executions", at: poll)
        }
        await series.close()

        let october = try #require(ReportMonth.parse("2026-10", timeZone: TimeZone(identifier: "UTC")!))
        let report = try await UsageReportBuilder.build(path: path, month: october, now: Date(timeIntervalSince1970: Double(now)))
        #expect(report.tenant.runs == 240)
        #expect(report.coverage.runsFrom == Double(historyStart) && report.coverage.runsTo == Double(now))
        #expect(abs(report.coverage.runsRatio - 10.0 / 19) < 1e-9)
        #expect(abs(report.coverage.ratio - 2.0 / (19 * 24)) < 1e-9)
        let notes = report.notes.joined(separator: " ")
        #expect(
            notes.contains(
                "Runs are counted exactly from 2026-10-10T00:00:00Z to 2026-10-20T00:00:00Z, 52.63% of the month so far"),
            "\(notes)")
        #expect(notes.contains("Sampled series (billing, agents, SLA) cover 0.43% of the month so far"), "\(notes)")
        let html = report.rendered(as: .html)
        #expect(html.contains("runs are counted over <b>52.63%</b>"))
    }
}
