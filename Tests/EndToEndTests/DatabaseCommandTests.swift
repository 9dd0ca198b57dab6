import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Store

/// `etlworks-exporter db …` on real files, through the built binary.
@Suite(.endToEnd) struct DatabaseCommandTests {
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }

    func database(runs: Int) async throws -> String {
        let path = directory.appendingPathComponent("db-\(runs).db").path
        let store = try SQLiteRunStore(path: path)
        var batch: [FlowRun] = []
        for index in 1...runs {
            let start: Int64 = 1_764_000_000_000 + Int64(index) * 1000
            batch.append(
                FlowRun(
                    auditId: Int64(index), flowId: Int64(index % 5), status: .success, created: start,
                    started: start, ended: start + 500, records: 1))
        }
        _ = try await store.ingest(batch, observedAt: 1)
        await store.close()
        return path
    }

    func db(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await Tools.run(Tools.exporterBinary.path, ["db"] + arguments)
    }

    @Test func statsShowRowsPerTableAndTheRunRange() async throws {
        let path = try await database(runs: 1234)
        let result = await try db(["stats", "--storage.path", path])
        #expect(result.status == 0)
        let runsLine = result.stdout.split(separator: "\n").first { $0.hasPrefix("runs ") }
        #expect(runsLine?.split(separator: " ").dropFirst().first == "1234")
        #expect(result.stdout.contains("oldest run: 2025-11-24T16:00:01Z"))
        #expect(result.stdout.contains("flows: 5, open runs: 0"))
    }

    @Test func statsShowEveryHistoryTier() async throws {
        let path = try await database(runs: 10)
        let series = try SeriesStore(path: path)
        let start: Int64 = 1_790_000_000 - 1_790_000_000 % 86400
        for minute in 0..<(26 * 60) {
            try await series.append(
                [Sample(SeriesKey("demo_total"), .counter, Double(minute))], group: "demo", at: start + Int64(minute) * 60)
        }
        while try await series.rollUp(now: start + 26 * 3600) {}
        await series.close()
        let result = await try db(["stats", "--storage.path", path])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(result.stdout.contains("history: 1 series"))
        #expect(lines.first { $0.first == "raw" }?[1] == "1560")
        #expect(lines.first { $0.first == "5m" }?[1] == "\(26 * 12 - 1)") // the last bucket is not over yet
        #expect(lines.first { $0.first == "1h" }?[1] == "25")
        #expect(lines.first { $0.first == "1d" }?[1] == "1")
        #expect(lines.first { $0.first == "1d" }?.last == "2026-09-22T00:00:00Z")
        #expect(lines.first { $0.first == "raw" }?[3] == "2026-09-21T00:00:00Z")
    }

    @Test func checkPassesAGoodFileAndFailsADamagedOne() async throws {
        let path = try await database(runs: 3000)
        let good = await try db(["check", "--storage.path", path])
        #expect(good.status == 0 && good.stdout.contains("ok"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for index in stride(from: 8192 + 64, to: min(bytes.count, 60_000), by: 13) { bytes[index] ^= 0x5A }
        try bytes.write(to: URL(fileURLWithPath: path))
        let bad = await try db(["check", "--storage.path", path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(path))
    }

    @Test func backupCopiesAndRefusesToOverwrite() async throws {
        let path = try await database(runs: 500)
        let copy = directory.appendingPathComponent("copy.db").path
        await #expect(try db(["backup", "--storage.path", path, copy]).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the copy holds the same history: owner only, not \(String(mode ?? 0, radix: 8))")
        let reopened = try SQLiteRunStore(path: copy)
        #expect(try await reopened.flowMetrics().reduce(0) { $0 + ($1.completedRuns[.success] ?? 0) } == 500)
        let again = await try db(["backup", "--storage.path", path, copy])
        #expect(again.status == 1)
        #expect(again.stderr.contains("refusing to overwrite"))
    }

    @Test func vacuumKeepsTheData() async throws {
        let path = try await database(runs: 200)
        await #expect(try db(["vacuum", "--storage.path", path]).status == 0)
        await #expect(try db(["check", "--storage.path", path]).status == 0)
        let store = try SQLiteRunStore(path: path)
        #expect(try await store.flowMetrics().count == 5)
    }

    @Test func aMissingFileIsAClearError() async throws {
        let result = await try db(["stats", "--storage.path", directory.appendingPathComponent("nope.db").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("nope.db") && result.stderr.contains("no such file"))
    }
}
