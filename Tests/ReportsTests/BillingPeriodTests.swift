import Foundation
import TestSupport
import Testing

@testable import Reports
@testable import Store

/// The usage report's billing follows the billing periods the API gives
/// (`etlworks_billing_period_*`), not calendar months: a tenant billed from the 15th to the
/// 15th has two periods in October, each reported whole. Built from a real database.
struct BillingPeriodTests {
    static let hour: Int64 = 3600
    static let september15: Int64 = 1_789_430_400 // 2026-09-15T00:00:00Z
    static let october15 = september15 + 30 * 24 * hour
    static let november15 = october15 + 31 * 24 * hour
    static let allowance = 500_000.0

    /// Hourly billing polls from 15 September to 15 November: 1,000 records an hour, the
    /// counter restarting with each period, whose bounds every poll reports.
    static func seed() async throws -> String {
        let path = try Tools.temporaryDirectory().appendingPathComponent("billing-periods.db").path
        await (try SQLiteRunStore(path: path)).close()
        let series = try SeriesStore(path: path)
        var at = september15
        while at < november15 + 6 * hour {
            let start = at < october15 ? september15 : at < november15 ? october15 : november15
            let end = start == september15 ? october15 : start == october15 ? november15 : november15 + 30 * 24 * hour
            try await series.append(
                [
                    Sample(
                        SeriesKey("etlworks_billing_records_used", [SeriesLabel("period", "month")]), .counter,
                        Double((at - start) / hour) * 1000),
                    Sample(SeriesKey("etlworks_billing_records_allowance", [SeriesLabel("period", "month")]), .gauge, allowance),
                    Sample(SeriesKey("etlworks_billing_period_start_timestamp_seconds"), .gauge, Double(start)),
                    Sample(SeriesKey("etlworks_billing_period_end_timestamp_seconds"), .gauge, Double(end))
                ], group: "billing", at: at)
            at += hour
        }
        while try await series.rollUp(now: november15 + 10 * 24 * hour) {}
        await series.close()
        return path
    }

    @Test func aPastMonthReportsEachOverlappingPeriodWhole() async throws {
        let path = try await Self.seed()
        let october = try #require(ReportMonth.parse("2026-10", timeZone: TimeZone(identifier: "UTC")!))
        let report = try await UsageReportBuilder.build(
            path: path, month: october, now: Date(timeIntervalSince1970: Double(Self.november15 + 20 * 24 * Self.hour)))
        let billing = try #require(report.billing)
        #expect(billing.periods.count == 2)
        let first = billing.periods[0], second = billing.periods[1]
        #expect(first.start == Double(Self.september15) && first.end == Double(Self.october15))
        // The last poll of each period: its 720th and 744th hour, not the month's edge.
        #expect(first.recordsUsed == 719_000)
        #expect(first.asOf == Double(Self.october15 - Self.hour))
        #expect(first.overage == 219_000)
        #expect(first.exhaustedAt == Double(Self.september15 + 500 * Self.hour))
        #expect(first.complete && first.projectedUsage == nil)
        #expect(second.start == Double(Self.october15) && second.end == Double(Self.november15))
        #expect(second.recordsUsed == 743_000, "read to the period's end in November")
        #expect(second.complete && second.projectedUsage == nil)
        #expect(billing.current == second)

        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(report.rendered(as: .json).utf8)) as? [String: Any])
        let object = try #require(json["billing"] as? [String: Any])
        #expect(object["period_start"] as? String == "2026-10-15T00:00:00Z")
        #expect(object["period_end"] as? String == "2026-11-15T00:00:00Z")
        #expect((object["records_used"] as? NSNumber)?.doubleValue == 743_000)
        #expect((object["periods"] as? [[String: Any]])?.first?["records_used"] as? NSNumber == 719_000)
        let markdown = report.rendered(as: .markdown)
        #expect(markdown.contains("2026-09-15 00:00 UTC – 2026-10-15 00:00 UTC"), "\(markdown)")
        #expect(markdown.contains("2026-10-15 00:00 UTC – 2026-11-15 00:00 UTC"))
    }

    @Test func aPeriodInProgressIsProjectedToItsOwnEnd() async throws {
        let path = try await Self.seed()
        let october = try #require(ReportMonth.parse("2026-10", timeZone: TimeZone(identifier: "UTC")!))
        let now = Self.october15 + 5 * 24 * Self.hour // 20 October
        let report = try await UsageReportBuilder.build(path: path, month: october, now: Date(timeIntervalSince1970: Double(now)))
        let current = try #require(report.billing?.current)
        #expect(report.billing?.periods.count == 2)
        #expect(current.start == Double(Self.october15) && !current.complete)
        #expect(current.recordsUsed == 119_000)
        // At 1,000 an hour to the period's end, 15 November (744 hours in), not to 31 October.
        #expect(abs((current.projectedUsage ?? 0) - 744_000) < 1)
        #expect(abs((current.exhaustedAt ?? 0) - Double(Self.october15 + 500 * Self.hour)) < 1)
        #expect(report.rendered(as: .html).contains("projected at period end"))
    }
}
