import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Store

/// A stopped run shows `canceled` at once and its final status minutes later: it is counted
/// once, with that final status, and the waiting survives a restart.
@Suite struct StoppingRunTests {
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }

    static let grace: Int64 = 300_000
    static let stopped: Int64 = 10_000_000

    func run(_ status: RunStatus, ended: Int64? = stopped, records: Int64? = nil, auditId: Int64 = 7) -> FlowRun {
        FlowRun(
            auditId: auditId, flowId: 1, flowName: "cdc", status: status, created: 9_000_000, started: 9_000_000,
            ended: ended, records: records)
    }

    @Test func aStoppedRunIsCountedOnceWithItsFinalStatus() async throws {
        let path = directory.appendingPathComponent("stop.db").path
        var store = try SQLiteRunStore(path: path)
        _ = try await store.ingest([run(.running, ended: nil)], observedAt: Self.stopped - 1000, stopGrace: Self.grace)
        let first = try await store.ingest([run(.canceled)], observedAt: Self.stopped + 1000, stopGrace: Self.grace)
        #expect(first.completed == 0)
        var metrics = try #require(try await store.flowMetrics().first)
        #expect(metrics.stopping == 1 && metrics.running == 0 && metrics.completedRuns.isEmpty)

        // A restart in the middle remembers since when the run is canceled.
        store = try SQLiteRunStore(path: path)
        _ = try await store.ingest([run(.canceled)], observedAt: Self.stopped + 120_000, stopGrace: Self.grace)
        #expect(try await store.flowMetrics().first?.stopping == 1)
        let final = try await store.ingest(
            [run(.error, ended: Self.stopped + 150_000, records: 40)], observedAt: Self.stopped + 180_000,
            stopGrace: Self.grace)
        #expect(final.completedRuns.map(\.status) == [.error])
        _ = try await store.ingest(
            [run(.error, ended: Self.stopped + 150_000, records: 40)], observedAt: Self.stopped + 900_000,
            stopGrace: Self.grace)
        metrics = try #require(try await store.flowMetrics().first)
        #expect(metrics.completedRuns == [.error: 1])
        #expect(metrics.recordsProcessed == 40)
        #expect(metrics.stopping == 0)
        #expect(metrics.lastStatus == .error)
    }

    @Test func aCanceledRunThatKeepsItsStatusCountsAsCanceledAfterTheGrace() async throws {
        let store = try SQLiteRunStore(path: directory.appendingPathComponent("grace.db").path)
        _ = try await store.ingest([run(.running, ended: nil)], observedAt: Self.stopped - 1000, stopGrace: Self.grace)
        _ = try await store.ingest([run(.canceled)], observedAt: Self.stopped + 1000, stopGrace: Self.grace)
        // Within the grace, counted from when the status was first seen canceled: still stopping.
        let early = try await store.ingest([run(.canceled)], observedAt: Self.stopped + Self.grace, stopGrace: Self.grace)
        #expect(early.completed == 0)
        let late = try await store.ingest(
            [run(.canceled)], observedAt: Self.stopped + 1000 + Self.grace, stopGrace: Self.grace)
        #expect(late.completedRuns.map(\.status) == [.canceled])
        #expect(try await store.flowMetrics().first?.completedRuns == [.canceled: 1])
    }

    @Test func aCanceledRunWithoutAnEndStaysStopping() async throws {
        let store = try SQLiteRunStore(path: directory.appendingPathComponent("noend.db").path)
        _ = try await store.ingest([run(.canceled, ended: nil)], observedAt: Self.stopped, stopGrace: Self.grace)
        let later = try await store.ingest(
            [run(.canceled, ended: nil)], observedAt: Self.stopped + 10 * Self.grace, stopGrace: Self.grace)
        #expect(later.completed == 0)
        #expect(try await store.flowMetrics().first?.stopping == 1)
    }

    /// First seen canceled long after it ended (a backfill): the status has had the grace to
    /// settle, so it is final at once; first seen just after it ended: it waits.
    @Test func aBackfilledCanceledRunIsJudgedFromItsEnd() async throws {
        let store = try SQLiteRunStore(path: directory.appendingPathComponent("backfill.db").path)
        let old = try await store.ingest(
            [run(.canceled, auditId: 1)], observedAt: Self.stopped + Self.grace, stopGrace: Self.grace)
        #expect(old.completedRuns.map(\.status) == [.canceled])
        let fresh = try await store.ingest(
            [run(.canceled, ended: Self.stopped + Self.grace - 1000, auditId: 2)], observedAt: Self.stopped + Self.grace,
            stopGrace: Self.grace)
        #expect(fresh.completed == 0)
    }

    @Test func retriesAndManualRunsAreCountedOnceWhenFinal() async throws {
        let store = try SQLiteRunStore(path: directory.appendingPathComponent("kinds.db").path)
        var retry = run(.running, ended: nil, auditId: 20)
        retry.parentAuditId = 10
        var manual = run(.running, ended: nil, auditId: 30)
        manual.user = "jane"
        var scheduled = run(.success, auditId: 40)
        scheduled.user = "Scheduler"
        var selfParent = run(.success, auditId: 50)
        selfParent.parentAuditId = 50
        _ = try await store.ingest([retry, manual, scheduled, selfParent], observedAt: Self.stopped)
        #expect(try await store.flowMetrics().first?.completedRunsByKind.isEmpty == true, "open runs are not counted")
        retry.status = .success
        retry.ended = Self.stopped
        manual.status = .error
        manual.ended = Self.stopped
        manual.user = nil // a later answer without the field keeps what was learned
        _ = try await store.ingest([retry, manual], observedAt: Self.stopped + 1)
        _ = try await store.ingest([retry, manual], observedAt: Self.stopped + 2)
        let metrics = try #require(try await store.flowMetrics().first)
        #expect(metrics.completedRunsByKind == [.retry: 1, .manual: 1])
    }

    /// Since 9.3.1 runs of one flow may overlap: each is its own open run.
    @Test func parallelRunsOfOneFlowAreEachCounted() async throws {
        let store = try SQLiteRunStore(path: directory.appendingPathComponent("parallel.db").path)
        let runs = (1...3).map { auditId in run(.running, ended: nil, auditId: Int64(auditId)) }
        _ = try await store.ingest(runs, observedAt: Self.stopped)
        #expect(try await store.flowMetrics().first?.running == 3)
        _ = try await store.ingest([run(.success, auditId: 2)], observedAt: Self.stopped + 1)
        let metrics = try #require(try await store.flowMetrics().first)
        #expect(metrics.running == 2 && metrics.completedRuns == [.success: 1])
    }
}
