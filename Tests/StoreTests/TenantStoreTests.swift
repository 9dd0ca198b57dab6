import Foundation
import SQLiteDatabase
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Store

/// Tenants of one instance share flow ids and audit ids: one database keeps them apart.
@Suite struct TenantStoreTests {
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }

    func path(_ name: String = "store.db") -> String { directory.appendingPathComponent(name).path }

    @Test func tenantsWithTheSameFlowAndAuditIdsAreCountedApart() async throws {
        let store = try SQLiteRunStore(path: path())
        let first = store.forTenant("1")
        let second = store.forTenant("2")
        _ = try await first.replaceFlows([Flow(id: 7, name: "orders")], removeMissing: true)
        _ = try await second.replaceFlows([Flow(id: 7, name: "invoices")], removeMissing: true)
        let success = StoreTests.run(100, flow: 7, .success, ended: 1_060_000, records: 5)
        let failure = StoreTests.run(100, flow: 7, .error, ended: 1_120_000, records: 1)
        #expect(try await first.ingest([success], observedAt: 2_000_000).completed == 1)
        #expect(try await second.ingest([failure], observedAt: 2_000_000).completed == 1, "audit id 100 again, another tenant")
        _ = try await second.ingest([StoreTests.run(101, flow: 7, .running)], observedAt: 2_000_000)
        let one = try #require(try await first.flowMetrics().first)
        let two = try #require(try await second.flowMetrics().first)
        #expect(one.flow.name == "orders" && two.flow.name == "invoices")
        #expect(one.completedRuns == [.success: 1] && one.recordsProcessed == 5 && one.running == 0)
        #expect(two.completedRuns == [.error: 1] && two.recordsProcessed == 1 && two.running == 1)
        #expect(one.lastStatus == .success && two.lastStatus == .error)
        #expect(try await store.flowMetrics().isEmpty, "the single-tenant view sees neither")
        // Each tenant's open runs, cursors and flow list are its own.
        #expect(try await first.openRuns(referencedBefore: .max, limit: 10).isEmpty)
        #expect(try await second.openRuns(referencedBefore: .max, limit: 10).map(\.auditId) == [101])
        _ = try await first.replaceFlows([], removeMissing: true)
        #expect(try await first.flowMetrics().isEmpty)
        #expect(try await second.flowMetrics().count == 1, "one tenant's flow list never deletes another's flows")
        try await first.setMeta("executions.last_polled_day", "1")
        #expect(try await second.meta("executions.last_polled_day") == nil)
        // Recounting the histograms (new bounds) keeps the tenants apart too.
        await store.close()
        let reopened = try SQLiteRunStore(path: path(), durationBuckets: try #require(DurationBuckets([90])))
        let recounted = try #require(try await reopened.forTenant("2").flowMetrics().first)
        #expect(recounted.durationBucketCounts == [0, 1], "tenant 2's 120 s run only")
    }

    /// A database written before tenants keeps every run and counter, as the single tenant's.
    @Test func aDatabaseFromBeforeTenantsKeepsItsRuns() async throws {
        let file = path("version9.db")
        do {
            let connection = try SQLiteConnection(path: file, create: true)
            for migration in Schema.migrations.prefix(9) { try connection.execute(migration) }
            try connection.execute(
                """
                PRAGMA user_version = 9;
                INSERT INTO flows (id, name, listed) VALUES (3, 'nightly', 1);
                INSERT INTO runs (audit_id, flow_id, status, state, started_ms, ended_ms, records, first_seen_ms,
                                  updated_ms, kinds, event_id)
                    VALUES (9, 3, 'success', 1, 1000, 61000, 12, 1, 1, 2, 44);
                INSERT INTO flow_totals VALUES (3, 'success', 1, 12);
                INSERT INTO flow_last VALUES (3, 61000, 60000, 'success', 61000);
                INSERT INTO flow_run_kinds VALUES (3, 2, 1);
                """)
            connection.close()
        }
        let store = try SQLiteRunStore(path: file)
        let flow = try #require(try await store.flowMetrics().first)
        #expect(flow.flow.name == "nightly" && flow.completedRuns == [.success: 1] && flow.recordsProcessed == 12)
        #expect(flow.completedRunsByKind[.manual] == 1 && flow.lastSuccessEnd == 61000)
        #expect(flow.durationBucketCounts.reduce(0, +) == 1, "the histogram recounted from the kept run")
        #expect(try await store.latestScheduledStarts() == [44: 1000])
        #expect(try await store.forTenant("1").flowMetrics().isEmpty)
        await store.close()
    }
}
