import Foundation
import SLAStore
import SQLiteDatabase
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Store

@Suite struct StoreTests {
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }

    func path(_ name: String = "store.db") -> String { directory.appendingPathComponent(name).path }

    static func run(
        _ auditId: Int64, flow: Int64 = 1, _ status: RunStatus, started: Int64? = 1_000_000, ended: Int64? = nil,
        records: Int64? = nil, name: String? = "flow one"
    ) -> FlowRun {
        FlowRun(
            auditId: auditId, flowId: flow, flowName: name, status: status, created: started, started: started,
            ended: ended, records: records)
    }

    @Test func aRunSeenTwiceOrMovingFromRunningToSuccessIsOneRun() async throws {
        let store = try SQLiteRunStore(path: path())
        _ = try await store.ingest([Self.run(1, .running)], observedAt: 1)
        var metrics = try await store.flowMetrics()
        #expect(metrics.first?.running == 1)
        #expect(metrics.first?.completedRuns.isEmpty == true)
        let done = Self.run(1, .success, ended: 1_090_000, records: 50)
        let summary = try await store.ingest([done, done], observedAt: 2)
        #expect(summary.completed == 1 && summary.unchanged == 1)
        _ = try await store.ingest([done], observedAt: 3)
        metrics = try await store.flowMetrics()
        #expect(metrics.first?.completedRuns[.success] == 1)
        #expect(metrics.first?.recordsProcessed == 50)
        #expect(metrics.first?.running == 0)
        #expect(metrics.first?.lastDurationSeconds == 90)
        #expect(metrics.first?.lastSuccessEnd == 1_090_000)
        #expect(metrics.first?.durationBucketCounts[DurationBuckets.standard.index(milliseconds: 90_000)] == 1)
        #expect(metrics.first?.durationSumSeconds == 90)
    }

    /// `metrics.duration_buckets` changed: the histogram is recounted in the new bounds from
    /// the runs still stored; the totals keep the runs retention has already deleted.
    @Test func newBucketBoundsRecountTheHistogramAndKeepTheTotals() async throws {
        let store = try SQLiteRunStore(path: path())
        _ = try await store.ingest(
            [
                Self.run(1, .success, ended: 1_010_000), Self.run(2, .success, started: 2_000_000, ended: 2_100_000),
                Self.run(3, .error, started: 3_000_000, ended: 3_900_000, records: 5)
            ], observedAt: 4_000_000)
        #expect(try await store.deleteRuns(endedBefore: 1_500_000) == 1)
        await store.close()
        let buckets = try #require(DurationBuckets([60, 600]))
        let reopened = try SQLiteRunStore(path: path(), durationBuckets: buckets)
        var flow = try #require(try await reopened.flowMetrics().first)
        #expect(flow.durationBucketCounts == [0, 1, 1], "100 s and 900 s, recounted; the deleted 10 s run is gone")
        #expect(flow.durationSumSeconds == 1000)
        #expect(flow.completedRuns == [.success: 2, .error: 1] && flow.recordsProcessed == 5, "totals kept")
        _ = try await reopened.ingest([Self.run(4, .success, started: 5_000_000, ended: 5_030_000)], observedAt: 6_000_000)
        flow = try #require(try await reopened.flowMetrics().first)
        #expect(flow.durationBucketCounts == [1, 1, 1], "new runs go to the new bounds")
        await reopened.close()
        let again = try SQLiteRunStore(path: path(), durationBuckets: buckets)
        #expect(try await again.flowMetrics().first?.durationBucketCounts == [1, 1, 1], "same bounds: nothing recounted")
    }

    /// Runs with sentinel end dates (9999-12-31, as some instances write for "never") have
    /// durations near Int64.max: the recount on new bucket bounds summed them with `+` and
    /// trapped, on SIGHUP and then at every start. The sum saturates; the counts stay exact.
    @Test func sentinelDurationsRecountWithoutOverflow() async throws {
        let store = try SQLiteRunStore(path: path())
        let sentinel: Int64 = 253_402_300_799_000 // 9999-12-31T23:59:59Z in ms
        _ = try await store.ingest(
            [
                Self.run(1, .success, started: 0, ended: sentinel), Self.run(2, .success, started: 0, ended: sentinel),
                Self.run(3, .success, started: 1_000, ended: sentinel), Self.run(4, .error, started: 2_000_000, ended: 2_060_000)
            ], observedAt: 4_000_000)
        await store.close()
        // The file as a corrupt or hostile writer could leave it: durations summing past 2^63.
        let sqlite = try SQLiteConnection(path: path(), create: false)
        try sqlite.execute("UPDATE runs SET ended_ms = 9223372036854775000, started_ms = 0 WHERE audit_id IN (1, 2, 3)")
        sqlite.close()
        let reopened = try SQLiteRunStore(path: path(), durationBuckets: try #require(DurationBuckets([60, 600])))
        let flow = try #require(try await reopened.flowMetrics().first)
        #expect(flow.durationBucketCounts == [1, 0, 3], "the 60 s run and three sentinel runs, counted")
        #expect(flow.durationSumSeconds.isFinite && flow.durationSumSeconds > 9e15)
    }

    @Test func aCompletedRunIsNeverRecountedEvenIfTheAPIChangesItsMind() async throws {
        let store = try SQLiteRunStore(path: path())
        _ = try await store.ingest([Self.run(1, .error, ended: 1_001_000)], observedAt: 1)
        _ = try await store.ingest([Self.run(1, .success, ended: 1_002_000), Self.run(1, .running)], observedAt: 2)
        let metrics = try await store.flowMetrics()
        #expect(metrics.first?.completedRuns == [.error: 1])
        #expect(metrics.first?.running == 0)
    }

    /// Records near 2^63 (stored before decoding capped them, or from any writer) saturate the
    /// totals instead of trapping: publishing counters runs at every start, so a trap there was
    /// a crash loop. Rebuilding the aggregates saturates too instead of failing on overflow.
    @Test func hugeRecordCountsSaturateInsteadOfTrapping() async throws {
        let store = try SQLiteRunStore(path: path())
        let huge = Int64.max - 5
        _ = try await store.ingest(
            [
                Self.run(1, .success, ended: 1_001_000, records: huge), Self.run(2, .success, ended: 1_002_000, records: huge),
                Self.run(3, .error, ended: 1_003_000, records: huge)
            ], observedAt: 1)
        #expect(try await store.flowMetrics().first?.recordsProcessed == Int64.max)
        await store.close()
        let connection = try SQLiteConnection(path: path(), create: false)
        try SQLiteRunStore.rebuildAggregates(connection)
        connection.close()
        let reopened = try SQLiteRunStore(path: path())
        #expect(try await reopened.flowMetrics().first?.recordsProcessed == Int64.max)
        #expect(Int64.max.addingSaturated(1) == .max && Int64.min.addingSaturated(-1) == .min && Int64(2).addingSaturated(3) == 5)
    }

    @Test func restartKeepsCountersUnchanged() async throws {
        var before: [FlowMetrics] = []
        do {
            let store = try SQLiteRunStore(path: path())
            var runs: [FlowRun] = []
            for id in 1...300 {
                let status: RunStatus = id % 10 == 0 ? .error : .success
                runs.append(
                    Self.run(
                        Int64(id), flow: Int64(id % 7), status, started: Int64(id) * 1000,
                        ended: Int64(id) * 1000 + Int64(id) * 37,
                        records: Int64(id)))
            }
            runs.append(Self.run(999, flow: 3, .running, started: 5000))
            _ = try await store.ingest(runs, observedAt: 1)
            before = try await store.flowMetrics()
            await store.close()
        }
        let reopened = try SQLiteRunStore(path: path())
        let after = try await reopened.flowMetrics()
        #expect(after == before)
        #expect(after.map { $0.completedRuns.values.reduce(0, +) }.reduce(0, +) == 300)
        #expect(after.first { $0.flow.id == 3 }?.running == 1)
    }

    @Test func flowsMissingFromTheListAreDroppedAndRenamesApply() async throws {
        let store = try SQLiteRunStore(path: path())
        _ = try await store.ingest(
            [Self.run(1, flow: 1, .success, ended: 2_000_000), Self.run(2, flow: 2, .success, ended: 2_000_000)], observedAt: 1)
        #expect(try await store.flowMetrics().count == 2)
        let removed = try await store.replaceFlows([Flow(id: 1, name: "renamed \"one\"", tags: ["nightly"])], removeMissing: true)
        #expect(removed == 1)
        let metrics = try await store.flowMetrics()
        #expect(metrics.map(\.flow.id) == [1])
        #expect(metrics.first?.flow.name == "renamed \"one\"")
        #expect(metrics.first?.flow.tags == ["nightly"])
        #expect(metrics.first?.completedRuns[.success] == 1, "a rename keeps the flow's counts")
        // An incomplete list (records skipped) removes nothing.
        _ = try await store.replaceFlows([], removeMissing: false)
        #expect(try await store.flowMetrics().count == 1)
        // A flow that comes back from the recycle bin is listed again.
        _ = try await store.replaceFlows([Flow(id: 1, name: "a"), Flow(id: 2, name: "b")], removeMissing: true)
        #expect(try await store.flowMetrics().count == 2)
    }

    @Test func namesWithNulAndUnicodeRoundTrip() async throws {
        let store = try SQLiteRunStore(path: path())
        let name = "a\u{0}b \"数据\" 🚀\n"
        _ = try await store.replaceFlows([Flow(id: 5, name: name)], removeMissing: true)
        #expect(try await store.flowMetrics().first?.flow.name == name)
    }

    @Test func openRunsCanBeReconciledOrAbandoned() async throws {
        let store = try SQLiteRunStore(path: path())
        _ = try await store.ingest(
            [Self.run(1, .running, started: 100), Self.run(2, .queued, started: nil), Self.run(3, .running, started: 10_000)],
            observedAt: 1)
        let stale = try await store.openRuns(referencedBefore: 5000, limit: 10)
        #expect(Set(stale.map(\.auditId)) == [1, 2])
        try await store.abandonRun(auditId: 1)
        #expect(try await store.openRuns(referencedBefore: 5000, limit: 10).map(\.auditId) == [2])
        #expect(try await store.flowMetrics().first?.completedRuns.isEmpty == true, "abandoned runs are never counted")
    }

    @Test func aFileThatIsNotADatabaseIsRefusedAndLeftUntouched() throws {
        let file = path("garbage.db")
        let garbage = Data(String(repeating: "this is not sqlite ", count: 400).utf8)
        try garbage.write(to: URL(fileURLWithPath: file))
        #expect {
            _ = try SQLiteRunStore(path: file)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .notADatabase && error.description.contains(file)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == garbage)
    }

    @Test func aCorruptedDatabaseIsRefused() async throws {
        let file = path("corrupt.db")
        do {
            let store = try SQLiteRunStore(path: file)
            _ = try await store.ingest(
                (1...2000).map { Self.run(Int64($0), .success, ended: 2_000_000, records: 1) }, observedAt: 1)
            await store.close()
        }
        // Overwrite pages past the header with noise.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        for index in stride(from: 4096 + 100, to: min(bytes.count, 40_000), by: 7) { bytes[index] = 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: file))
        #expect {
            _ = try SQLiteRunStore(path: file)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return [.corrupt, .notADatabase].contains(error.code) && error.description.contains(file)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == bytes)
    }

    @Test(.requires("sqlite3")) func aDatabaseFromANewerVersionIsRefused() async throws {
        let file = path("newer.db")
        do {
            let store = try SQLiteRunStore(path: file)
            await store.close()
        }
        let result = try await Tools.run(try Tools.which("sqlite3"), [file, "PRAGMA user_version = 99;"])
        #expect(result.status == 0)
        #expect {
            _ = try SQLiteRunStore(path: file)
        } throws: { error in
            (error as? StoreError)?.code == .tooNew && "\(error)".contains("99")
        }
    }

    @Test func aDatabaseEvaluatedBeforeObservedTimeKeepsItsObservedTimeToTheLatestPoll() async throws {
        let file = path("version5.db")
        do {
            let connection = try SQLiteConnection(path: file, create: true)
            for migration in Schema.migrations.prefix(5) { try connection.execute(migration) }
            try connection.execute(
                """
                PRAGMA user_version = 5;
                INSERT INTO meta (key, value) VALUES ('sla.evaluating_since', '1790000000.25');
                INSERT INTO polls (ts, grp) VALUES (1790000600, 'executions'), (1790090000, 'executions'), (1790099999, 'agents');
                """)
            connection.close()
        }
        let store = try SLAStateStore(path: file)
        let spans = try await store.observedSpans(from: 0)
        #expect(spans.map(\.startMs) == [1_790_000_000_250] && spans.map(\.endMs) == [1_790_090_000_000])
        await store.close()
    }

    @Test func runsKeepTheScheduleThatFiredThemAndTheLatestStartPerSchedule() async throws {
        let store = try SQLiteRunStore(path: path())
        let summary = try await store.ingest(
            [
                FlowRun(auditId: 1, flowId: 7, status: .success, created: 900, started: 1_000, ended: 2_000, eventId: 12),
                FlowRun(auditId: 2, flowId: 7, status: .running, created: 4_900, started: 5_000, eventId: 12),
                FlowRun(auditId: 3, flowId: 7, status: .queued, created: 6_000, eventId: 13),
                FlowRun(auditId: 4, flowId: 7, status: .success, created: 8_000, started: 9_000, ended: 9_500)
            ], observedAt: 10_000)
        #expect(summary.scheduledStarts == [12: 5_000, 13: 6_000], "open runs count; a run without eventId does not")
        // A later listing without the eventId keeps the stored one.
        _ = try await store.ingest(
            [FlowRun(auditId: 2, flowId: 7, status: .success, created: 4_900, started: 5_000, ended: 7_000)], observedAt: 11_000)
        #expect(try await store.latestScheduledStarts() == [12: 5_000, 13: 6_000])
        await store.close()
    }

    @Test func aMissingDirectoryIsAClearError() {
        #expect {
            _ = try SQLiteRunStore(path: "/nonexistent-dir-\(UUID().uuidString)/x.db")
        } throws: { error in
            (error as? StoreError)?.code == .cannotOpen && "\(error)".contains("does not exist")
        }
    }
}
