import Foundation
import SLAStore
import SQLiteDatabase
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Store

/// Everything that grows has a retention: completed runs and ended SLA episodes are deleted
/// past theirs, and the counters built from them do not move.
@Suite struct RetentionTests {
    let day: Int64 = 86_400_000
    let now: Int64 = 1_795_000_000_000

    @Test func oldRunsAreDeletedAndCountersStayExact() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("runs.db").path
        let store = try SQLiteRunStore(path: path)
        let runs = (1...300).map { index in
            let ended = now - Int64(index) * 3 * day // one run every three days, back 900 days
            return FlowRun(
                auditId: Int64(index), flowId: Int64(index % 3), flowName: "f", status: index % 5 == 0 ? .error : .success,
                started: ended - 60_000, ended: ended, records: 7)
        }
        _ = try await store.ingest(runs, observedAt: now)
        let before = try await store.flowMetrics()
        var deleted = 0
        while true {
            let batch = try await store.deleteRuns(endedBefore: now - 400 * day, batch: 50)
            deleted += batch
            if batch == 0 { break }
        }
        #expect(deleted == 300 - 133, "runs that ended more than 400 days ago: \(deleted)")
        let after = try await store.flowMetrics()
        #expect(after.map(\.completedRuns) == before.map(\.completedRuns))
        #expect(after.map(\.recordsProcessed) == before.map(\.recordsProcessed))
        let remaining = try await store.completedRuns(endedSince: 0)
        #expect(remaining.runs.count == 133)
    }

    @Test func oldEpisodesAreDeletedAndStillCounted() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("episodes.db").path
        let store = try SLAStateStore(path: path)
        var changes = SLAStateChanges()
        changes.opened = (0..<10).map { index in
            let start = now - Int64(index) * 100 * day
            return SLAEpisode(
                id: 0, rule: "r", target: "flow:7", targetName: "f", severity: "warning", startMs: start,
                endMs: index == 0 ? nil : start + day, peak: 1, threshold: 0)
        }
        changes.observed = (now - 500 * day, now - 450 * day)
        let ids = try await store.apply(changes)
        var recent = SLAStateChanges()
        recent.observed = (now - 10 * day, now)
        _ = try await store.apply(recent)
        // Opened, then ended (as the engine does).
        var ends = SLAStateChanges()
        ends.updated = zip(ids, changes.opened).compactMap { id, episode in episode.endMs.map { (id, $0, 1.0) } }
        _ = try await store.apply(ends)
        let before = try await store.episodeCounts()
        #expect(before["r"]?["flow:7"] == 10)
        #expect(try await store.deleteEpisodes(endedBefore: now - 400 * day) == 5)
        #expect(try await store.episodeCounts() == before, "a counter never goes down")
        #expect(try await store.deleteEpisodes(endedBefore: now - 400 * day) == 0)
        #expect(try await store.episodeCounts() == before)
        #expect(try await store.episodes(from: 0, to: Int64.max).count == 5)
        #expect(try await store.observedSpans(from: 0).map(\.startMs) == [now - 10 * day], "old observed time goes with them")
    }

    @Test func thePreparedStatementCacheIsBounded() throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("statements.db").path
        let connection = try SQLiteConnection(path: path, create: true)
        for index in 0..<1000 { _ = try connection.scalar("SELECT \(index)") }
        #expect(connection.cachedStatements <= SQLiteConnection.maxCachedStatements)
    }
}
