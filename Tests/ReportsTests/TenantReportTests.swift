import EtlworksAPI
import Foundation
import TestSupport
import Testing

@testable import Reports
@testable import Store

/// The usage report of an exporter watching tenants (issue #28): a row per tenant, and flows
/// whose ids repeat across tenants kept apart.
struct TenantReportTests {
    static let october1: Int64 = 1_790_812_800 // 2026-10-01T00:00:00Z

    @Test func eachTenantHasItsRowAndItsOwnFlows() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("tenants-report.db").path
        let store = try SQLiteRunStore(path: path)
        let start = (Self.october1 + 3600) * 1000
        func runs(_ count: Int64, _ status: RunStatus, records: Int64) -> [FlowRun] {
            (1...count).map { index in
                FlowRun(
                    auditId: index, flowId: 7, status: status, created: start + index * 60_000,
                    started: start + index * 60_000, ended: start + index * 60_000 + 30_000, records: records)
            }
        }
        for (id, name, count, status, records) in [
            ("1", "eu", Int64(3), RunStatus.success, Int64(10)), ("2", "us", Int64(5), RunStatus.error, Int64(1))
        ] {
            let tenant = store.forTenant(id)
            try await tenant.setMeta("name", name)
            _ = try await tenant.replaceFlows([Flow(id: 7, name: "orders \(name)")], removeMissing: true)
            _ = try await tenant.ingest(runs(count, status, records: records), observedAt: start + 86_400_000)
        }
        await store.close()
        let october = try #require(ReportMonth.parse("2026-10", timeZone: TimeZone(identifier: "UTC")!))
        let report = try await UsageReportBuilder.build(
            path: path, month: october, now: Date(timeIntervalSince1970: Double(Self.october1 + 2 * 86400)))
        #expect(report.tenant.runs == 8 && report.tenant.records == 35)
        #expect(report.tenants.map(\.id) == ["1", "2"] && report.tenants.map(\.name) == ["eu", "us"])
        #expect(report.tenants.map(\.summary.runs) == [3, 5])
        #expect(report.tenants.map { $0.summary.byStatus["error"] ?? 0 } == [0, 5])
        #expect(report.flows.map(\.tenant).sorted() == ["1", "2"], "flow 7 twice, once per tenant")
        #expect(Set(report.flows.map(\.summary.runs)) == [3, 5])
        let csv = report.rendered(as: .csv, table: .tenants)
        #expect(csv.hasPrefix("tenant_id,tenant_name,runs,"))
        #expect(csv.contains("\r\n2,us,5,0,0,5,0,"))
        #expect(report.rendered(as: .csv, table: .flows).hasPrefix("tenant_id,flow_id,flow_name"))
        let markdown = report.rendered(as: .markdown)
        #expect(markdown.contains("## Tenants") && markdown.contains("| 1 | eu | 3 |"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.rendered(as: .json).utf8)) as? [String: Any])
        #expect((json["tenants"] as? [[String: Any]])?.map { $0["runs"] as? Int } == [3, 5])
    }
}
