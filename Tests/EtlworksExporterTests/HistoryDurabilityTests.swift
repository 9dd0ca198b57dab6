import Foundation
import Testing
@testable import Store

/// A process writing history and rolling it up, killed with SIGKILL at random points 20
/// times (Tests/HistorySoak). After every kill the file passes `integrity_check`, no run is
/// counted twice and no rollup watermark moved back; at the end every rollup bucket equals
/// a consolidation of the raw samples recomputed here, and the raw samples have no gap.
@Suite(.serialized) struct HistoryDurabilityTests {
    @Test func sigkillWhileIngestingAndRollingUpLosesAndDoublesNothing() async throws {
        let directory = try Tools.temporaryDirectory()
        let path = directory.appendingPathComponent("soak.db").path
        var watermarks: [RollupTier: Int64] = [:]
        for round in 0..<20 {
            let soak = try ChildProcess(arguments: [path], directory: directory, name: "soak-\(round)",
                                        executable: Tools.binary("HistorySoak"))
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500)))
            #expect(soak.process.isRunning, "round \(round): \(soak.stderr)")
            kill(soak.process.processIdentifier, SIGKILL)
            _ = try await soak.waitForExit()
            #expect(try DatabaseMaintenance(path: path, readOnly: true).integrityCheck() == ["ok"], "round \(round)")
            let connection = try SQLiteConnection(path: path, create: false, readOnly: true)
            // Totals are maintained by ingestion; they must equal a count of the runs stored.
            let mismatched = try connection.scalar("""
                SELECT count(*) FROM (
                    SELECT flow_id, status, runs FROM flow_totals
                    EXCEPT SELECT flow_id, status, count(*) FROM runs WHERE state = 1 GROUP BY flow_id, status)
                """)
            #expect(mismatched == 0, "round \(round): run totals differ from the runs stored")
            for tier in [RollupTier.fiveMinutes, .hour, .day] {
                let now = try connection.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = '\(tier.watermarkKey)'")
                if let before = watermarks[tier] { #expect((now ?? .min) >= before, "round \(round): \(tier) watermark moved back") }
                watermarks[tier] = now
            }
            connection.close()
        }
        #expect(watermarks[.day] != nil, "the soak ran long enough to roll up whole days")
        try verifyRollups(path)
    }

    private func verifyRollups(_ path: String) throws {
        let connection = try SQLiteConnection(path: path, create: false, readOnly: true)
        let seriesList = try connection.statement("SELECT id, kind FROM series ORDER BY id")
        var series: [(Int64, SeriesKind)] = []
        while try seriesList.step() { series.append((seriesList.int(0), SeriesKind(rawValue: seriesList.int(1))!)) }
        #expect(series.count == 81)
        let batches = try connection.scalar("SELECT count(*) FROM samples WHERE series_id = \(series[0].0)")!
        var checkedBuckets = 0
        for (id, kind) in series {
            let rows = try connection.statement("SELECT bucket + offset, value, repeats FROM samples WHERE series_id = ?1 ORDER BY bucket, offset")
            try rows.bind(.integer(id))
            var samples: [(Int64, Double, Int64)] = []
            while try rows.step() { samples.append((rows.int(0), rows.double(1), rows.int(2))) }
            // One sample a minute from the start, none missing, none twice.
            #expect(Int64(samples.count) == batches, "series \(id)")
            #expect(samples.enumerated().allSatisfy { $1.0 == samples[0].0 + Int64($0) * 60 }, "series \(id) has a gap")
            for tier in [RollupTier.fiveMinutes, .hour, .day] {
                let watermark = try connection.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = '\(tier.watermarkKey)'") ?? .min
                var consolidator = BucketConsolidator(width: tier.seconds, kind: kind)
                for (time, value, repeats) in samples where time < watermark {
                    consolidator.add(timestamp: time, value: value, weight: 1 + repeats)
                }
                let expected = consolidator.drain()
                let stored = try connection.statement("""
                    SELECT bucket, count, sum, min, max, last, increase FROM \(tier.table) WHERE series_id = ?1 ORDER BY bucket
                    """)
                try stored.bind(.integer(id))
                var actual: [(Int64, RollupBucket)] = []
                while try stored.step() {
                    actual.append((stored.int(0), RollupBucket(count: stored.int(1), sum: stored.double(2), min: stored.double(3),
                                                               max: stored.double(4), last: stored.double(5),
                                                               increase: stored.optionalDouble(6))))
                }
                #expect(actual.map(\.0) == expected.map(\.start), "series \(id), \(tier): buckets lost or extra")
                for ((_, lhs), (_, rhs)) in zip(actual, expected) {
                    let same = lhs.count == rhs.count && lhs.min == rhs.min && lhs.max == rhs.max && lhs.last == rhs.last
                        && abs(lhs.sum - rhs.sum) < 1e-6 && abs((lhs.increase ?? -1) - (rhs.increase ?? -1)) < 1e-6
                    #expect(same, "series \(id), \(tier): \(lhs) != \(rhs)")
                    if !same { return }
                }
                checkedBuckets += actual.count
            }
        }
        #expect(checkedBuckets > 1000)
    }
}
