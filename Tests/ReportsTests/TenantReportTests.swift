import EtlworksAPI
import Foundation
import TestSupport
import Testing

@testable import Reports
@testable import SLAStore
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

    /// Tenants' SLA breaches of the same rule on the same flow id are two rows, each with its
    /// compliance over its own tenant's observed time.
    @Test func eachTenantsBreachesHaveTheirRow() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("tenants-sla.db").path
        let store = try SQLiteRunStore(path: path)
        try await store.forTenant("1").setMeta("name", "eu")
        try await store.forTenant("2").setMeta("name", "us")
        let sla = try SLAStateStore(path: path)
        let start = (Self.october1 + 3600) * 1000
        // Tenant 1 was observed for 10 hours, tenant 2 for 2: one hour of breach each.
        for (tenant, observedHours) in [("1", Int64(10)), ("2", Int64(2))] {
            var changes = SLAStateChanges()
            changes.opened = [
                SLAEpisode(
                    id: 0, rule: "streak", target: "flow:7", targetName: "orders", severity: "critical", startMs: start,
                    endMs: nil, peak: 1, threshold: 1)
            ]
            changes.observed = (start, start + observedHours * 3_600_000)
            let id = try #require(try await sla.forTenant(tenant).apply(changes).first)
            var end = SLAStateChanges()
            end.updated = [(id, start + 3_600_000, 1)]
            _ = try await sla.forTenant(tenant).apply(end)
        }
        await store.close()
        let october = try #require(ReportMonth.parse("2026-10", timeZone: TimeZone(identifier: "UTC")!))
        let report = try await UsageReportBuilder.build(
            path: path, month: october, now: Date(timeIntervalSince1970: Double(Self.october1 + 2 * 86400)))
        #expect(report.sla.map(\.tenant) == ["2", "1"], "worst compliance first")
        #expect(report.sla.map(\.compliance) == [0.5, 0.9])
        #expect(report.sla.allSatisfy { $0.breaches == 1 && $0.breachSeconds == 3600 })
        let csv = report.rendered(as: .csv, table: .sla)
        #expect(csv.hasPrefix("sla,severity,tenant_id,target_kind,target_id,target_name,"))
        #expect(csv.contains("\r\nstreak,critical,2,flow,7,orders,1,3600,"))
        #expect(report.rendered(as: .markdown).contains("orders (tenant 1)"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.rendered(as: .json).utf8)) as? [String: Any])
        #expect((json["sla"] as? [[String: Any]])?.map { $0["tenant_id"] as? String } == ["2", "1"])
    }
}
