import Foundation
import SQLiteDatabase
import SeriesQuery
import TestSupport
import Testing

@testable import Store

/// A process writing history and rolling it up, killed with SIGKILL at random points 20
/// times (Tests/HistorySoak). After every kill the file passes `integrity_check`, no run is
/// counted twice and no rollup watermark moved back; at the end every rollup bucket equals
/// a consolidation of the raw samples recomputed here, and the raw samples have no gap.
@Suite(.serialized, .endToEnd, .requiresBuilt("HistorySoak")) struct HistoryDurabilityTests {
    @Test func sigkillWhileIngestingAndRollingUpLosesAndDoublesNothing() async throws {
        let directory = try Tools.temporaryDirectory()
        let path = directory.appendingPathComponent("soak.db").path
        var watermarks: [RollupTier: Int64] = [:]
        for round in 0..<20 {
            let soak = try ChildProcess(
                arguments: [path], directory: directory, name: "soak-\(round)",
                executable: Tools.binary("HistorySoak"))
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500)))
            #expect(soak.process.isRunning, "round \(round): \(soak.stderr)")
            kill(soak.process.processIdentifier, SIGKILL)
            _ = try await soak.waitForExit()
            #expect(try DatabaseMaintenance(path: path, readOnly: true).integrityCheck() == ["ok"], "round \(round)")
            let connection = try SQLiteConnection(path: path, create: false, readOnly: true)
            // Totals are maintained by ingestion; they must equal a count of the runs stored.
            let mismatched = try connection.scalar(
                """
                SELECT count(*) FROM (
                    SELECT flow_id, status, runs FROM flow_totals
                    EXCEPT SELECT flow_id, status, count(*) FROM runs WHERE state = 1 GROUP BY flow_id, status)
                """)
            #expect(mismatched == 0, "round \(round): run totals differ from the runs stored")
            for tier in [RollupTier.fiveMinutes, .hour, .day] {
                let now = try connection.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = '\(tier.watermarkKey)'")
                if let before = watermarks[tier] {
                    #expect((now ?? .min) >= before, "round \(round): \(tier) watermark moved back")
                }
                watermarks[tier] = now
            }
            connection.close()
        }
        #expect(watermarks[.day] != nil, "the soak ran long enough to roll up whole days")
        try await verifyRollups(path)
    }

    /// Every tier, read through the query API, must answer what the stored polls and changes
    /// give when consolidated the obvious way; the polls must be one a minute, none missing.
    private func verifyRollups(_ path: String) async throws {
        let connection = try SQLiteConnection(path: path, create: false, readOnly: true)
        let pollRows = try connection.statement("SELECT ts FROM polls WHERE grp = 'soak' ORDER BY ts")
        var polls: [Int64] = []
        while try pollRows.step() { polls.append(pollRows.int(0)) }
        #expect(!polls.isEmpty && polls.enumerated().allSatisfy { $1 == polls[0] + Int64($0) * 60 }, "a poll is missing or twice")
        let seriesList = try connection.statement("SELECT id, name, labels, kind FROM series ORDER BY id")
        var series: [(id: Int64, selector: String, kind: SeriesKind)] = []
        while try seriesList.step() {
            let labels = SeriesKey.labels(fromCanonical: seriesList.text(2)!)!.map { "\($0.name)=\"\($0.value)\"" }
            series.append(
                (
                    seriesList.int(0), "\(seriesList.text(1)!){\(labels.joined(separator: ","))}",
                    SeriesKind(rawValue: seriesList.int(3))!
                ))
        }
        #expect(series.count == 81)
        let reader = try SeriesReader(path: path)
        var checkedPoints = 0
        for entry in series {
            let rows = try connection.statement("SELECT ts, value FROM samples WHERE series_id = ?1 ORDER BY ts")
            try rows.bind(.integer(entry.id))
            var changes: [(Int64, Double?)] = []
            while try rows.step() { changes.append((rows.int(0), rows.optionalDouble(1))) }
            for tier in [RollupTier.fiveMinutes, .hour, .day] {
                guard
                    let watermark = try connection.scalar(
                        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = '\(tier.watermarkKey)'")
                else { continue }
                let answer = try await reader.query(
                    SeriesSelector.parse(entry.selector), tier: tier, from: polls[0],
                    to: watermark, step: tier.seconds, maxSeries: 1)[0].points
                let expected = EveryPollOracle.windows(
                    polls: polls, changes: changes, kind: entry.kind, width: tier.seconds,
                    from: polls[0], to: watermark)
                #expect(EveryPollOracle.same(answer, expected), "\(entry.selector) at \(tier.rawValue)")
                checkedPoints += answer.count
            }
        }
        #expect(checkedPoints > 1000)
    }
}
