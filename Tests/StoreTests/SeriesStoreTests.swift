import EtlworksAPI
import Foundation
import SQLiteDatabase
import SeriesQuery
import TestSupport
import Testing

@testable import Store

@Suite struct SeriesStoreTests {
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }

    func path(_ name: String = "series.db") -> String { directory.appendingPathComponent(name).path }

    static let start: Int64 = 1_790_000_000 - 1_790_000_000 % 86400 // a UTC midnight
    static let counter = SeriesKey("demo_runs_total", [SeriesLabel("flow_id", "7"), SeriesLabel("status", "success")])
    static let gauge = SeriesKey("demo_running_runs", [SeriesLabel("flow_id", "7")])
    static let intermittent = SeriesKey("demo_running_runs", [SeriesLabel("flow_id", "8")])

    /// 30 hours of one-minute polls: a counter rising every seventh poll with two restarts
    /// of its source, a gauge changing every thirteenth, a series that ends for two hours,
    /// and a two-hour outage in which nothing was polled.
    static func polls() -> [(time: Int64, samples: [Sample])] {
        var result: [(Int64, [Sample])] = []
        var total = 100.0
        for minute in 0..<(30 * 60) {
            if minute >= 600 && minute < 720 { continue }
            if minute == 300 || minute == 1500 { total = 2 }
            if minute % 7 == 0 { total += Double(minute % 5 + 1) }
            var samples = [Sample(counter, .counter, total), Sample(gauge, .gauge, Double((minute / 13) % 4))]
            if minute < 240 || minute >= 360 { samples.append(Sample(intermittent, .gauge, Double(minute / 600))) }
            result.append((start + Int64(minute) * 60 + 13, samples))
        }
        return result
    }

    static func fill(_ store: SeriesStore) async throws {
        for poll in polls() { try await store.append(poll.samples, group: "executions", at: poll.time) }
    }

    /// The oracle's answer for `key` from the samples as polled.
    static func expected(_ key: SeriesKey, kind: SeriesKind, step: Int64, from: Int64 = start, to: Int64) -> [SeriesPoint] {
        let polls = polls()
        let changes = polls.map { poll in (poll.time, poll.samples.first { $0.key == key }.map(\.value)) }
        return EveryPollOracle.windows(polls: polls.map(\.time), changes: changes, kind: kind, width: step, from: from, to: to)
    }

    func query(
        _ reader: SeriesReader, _ key: SeriesKey, tier: RollupTier, step: Int64, from: Int64 = start,
        to: Int64
    ) async throws -> [SeriesPoint] {
        let matchers = key.labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",")
        return try await reader.query(
            SeriesSelector.parse("\(key.name){\(matchers)}"), tier: tier, from: from, to: to,
            step: step, maxSeries: 10
        ).first?.points ?? []
    }

    /// A batch that fails (the disk full) must leave no trace in the store's caches: the new
    /// series it created were rolled back, and SQLite hands their ids out again. Cached, they
    /// merged two series into one; and values believed written were never written again.
    @Test func aFailedBatchLeavesNoCachedSeriesOrValuesBehind() async throws {
        let store = try SeriesStore(path: path())
        try await store.append([Sample(Self.gauge, .gauge, 1)], group: "g", at: Self.start)
        let pages = try #require(try SQLiteConnection(path: path(), create: false, readOnly: true).scalar("PRAGMA page_count"))
        try await store.limitPages(pages + 2)
        func batch(_ prefix: String, _ value: Double) -> [Sample] {
            (0..<3000).map {
                Sample(SeriesKey("etlworks_flow_running_runs", [SeriesLabel("flow_id", "\(prefix)\($0)")]), .gauge, value)
            }
        }
        await #expect(throws: StoreError.self) { try await store.append(batch("a", 1), group: "g", at: Self.start + 60) }
        try await store.limitPages(1_000_000)
        // Recovery: another set of new series first (they get the rolled-back ids), then both.
        try await store.append(batch("b", 2), group: "h", at: Self.start + 120)
        try await store.append(batch("a", 1) + [Sample(Self.gauge, .gauge, 1)], group: "g", at: Self.start + 180)
        let reader = try SeriesReader(path: path())
        let all = try await reader.query(
            SeriesSelector.parse("etlworks_flow_running_runs"), tier: .raw, from: Self.start, to: Self.start + 240, step: 240,
            maxSeries: 10_000)
        #expect(all.count == 6000, "every series distinct")
        for result in all {
            let id = result.series.labels.first { $0.name == "flow_id" }?.value ?? ""
            #expect(result.points.last?.values.last == (id.hasPrefix("a") ? 1 : 2), "\(id): \(result.points)")
        }
    }

    /// A wall clock that jumps a year ahead while no poll happens must not move the rollup
    /// watermark past the data: the polls that follow (at the right time again) would never
    /// be rolled up, and retention would then delete their raw rows.
    @Test func aClockThatJumpsAheadMovesNoWatermarkPastTheData() async throws {
        let store = try SeriesStore(path: path())
        for minute in Int64(0)..<60 {
            try await store.append([Sample(Self.gauge, .gauge, Double(minute))], group: "g", at: Self.start + minute * 60)
        }
        while try await store.rollUp(now: Self.start + 365 * 86400) {}
        let watermark = try #require(try await store.watermark(of: .fiveMinutes))
        #expect(watermark <= Self.start + 3600, "the 5m watermark moved to \(watermark - Self.start) s past the start")
        for minute in Int64(60)..<120 {
            try await store.append([Sample(Self.gauge, .gauge, Double(minute))], group: "g", at: Self.start + minute * 60)
        }
        while try await store.rollUp(now: Self.start + 7200 + 3600) {}
        let reader = try SeriesReader(path: path())
        let points = try await query(reader, Self.gauge, tier: .fiveMinutes, step: 300, to: Self.start + 7200)
        #expect(points.count == 24, "every 5-minute bucket of the two hours is there")
        #expect(points.last?.values.last == 119)
    }

    /// A wall clock that goes back must neither overwrite a stored sample nor file a poll
    /// behind the newest one: the poll is stamped one second after it.
    @Test func aClockThatGoesBackLosesAndOverwritesNothing() async throws {
        let store = try SeriesStore(path: path())
        try await store.append([Sample(Self.gauge, .gauge, 1)], group: "g", at: Self.start)
        try await store.append([Sample(Self.gauge, .gauge, 2)], group: "g", at: Self.start + 60)
        try await store.append([Sample(Self.gauge, .gauge, 3)], group: "g", at: Self.start + 60) // the same second
        try await store.append([Sample(Self.gauge, .gauge, 4)], group: "g", at: Self.start + 30) // the clock went back
        #expect(await store.backwardSteps == 2)
        let reader = try SeriesReader(path: path())
        let points = try await query(reader, Self.gauge, tier: .raw, step: 1, to: Self.start + 120)
        #expect(points.map(\.values.last) == [1, 2, 3, 4], "\(points.map(\.timestamp))")
    }

    @Test func everyTierAnswersAsIfEveryPollWereStored() async throws {
        let store = try SeriesStore(path: path())
        try await Self.fill(store)
        let reader = try SeriesReader(path: path())
        let to = Self.start + 30 * 3600
        func check(_ stage: String) async throws {
            for (key, kind) in [(Self.counter, SeriesKind.counter), (Self.gauge, .gauge), (Self.intermittent, .gauge)] {
                for (tier, step) in [
                    (RollupTier.raw, Int64(60)), (.raw, 300), (.fiveMinutes, 300), (.fiveMinutes, 3600),
                    (.hour, 3600), (.hour, 7200), (.day, 86400)
                ] {
                    let answer = try await query(reader, key, tier: tier, step: step, to: to)
                    #expect(
                        EveryPollOracle.same(answer, Self.expected(key, kind: kind, step: step, to: to)),
                        "\(stage): \(key.labels) from \(tier.rawValue) at step \(step)")
                }
            }
        }
        try await check("nothing rolled up")
        _ = try await store.rollUp(now: Self.start + 20 * 3600 + 1234, maxChunks: 1000)
        try await check("rolled up to hour 20")
        while try await store.rollUp(now: Self.start + 3 * 86400, maxChunks: 7) {}
        try await check("rolled up")
        // Rolling up again changes nothing.
        #expect(try await store.rollUp(now: Self.start + 3 * 86400) == false)
        try await check("rolled up twice")
        // The outage and the ended series are gaps, not zeros.
        let hourly = try await query(reader, Self.intermittent, tier: .hour, step: 3600, to: to)
        #expect(!hourly.contains { [4, 5, 10, 11].map { Self.start + $0 * 3600 }.contains($0.timestamp) })
        #expect(hourly.count == 26)
    }

    /// A query reaching back millennia (one window of 2e9 s from -1e13 s) allocated a slot
    /// per tier bucket from `from` to the watermark: 266 GB and SIGABRT. It is answered from
    /// what is stored, the same as a query from the first poll, in every tier.
    @Test func aQueryFromLongBeforeTheDataReadsOnlyWhatIsStored() async throws {
        let store = try SeriesStore(path: path())
        try await Self.fill(store)
        while try await store.rollUp(now: Self.start + 3 * 86400, maxChunks: 50) {}
        let reader = try SeriesReader(path: path())
        let to = Self.start + 30 * 3600
        for tier in RollupTier.allCases {
            for (key, kind) in [(Self.counter, SeriesKind.counter), (Self.intermittent, .gauge)] {
                let ancient = try await query(reader, key, tier: tier, step: 2_000_000_000, from: -9_999_999_999_999, to: to)
                let expected = Self.expected(key, kind: kind, step: 2_000_000_000, from: 0, to: to)
                #expect(ancient.count == 1 && EveryPollOracle.same(ancient, expected), "\(tier.rawValue) \(key.labels)")
                let hourly = try await query(reader, key, tier: tier, step: 3600, from: Self.start - 400 * 86400, to: to)
                #expect(
                    EveryPollOracle.same(hourly, Self.expected(key, kind: kind, step: 3600, to: to)) || tier == .day,
                    "\(tier.rawValue) \(key.labels) hourly")
            }
        }
        // An empty file answers nothing, whatever the range.
        let empty = try SeriesStore(path: path("empty.db"))
        _ = empty
        let emptyReader = try SeriesReader(path: path("empty.db"))
        #expect(
            try await query(emptyReader, Self.counter, tier: .fiveMinutes, step: 60, from: -9_999_999_999_999, to: to).isEmpty)
    }

    @Test func onlyChangesAreStored() async throws {
        let store = try SeriesStore(path: path())
        try await Self.fill(store)
        while try await store.rollUp(now: Self.start + 3 * 86400) {}
        let connection = try SQLiteConnection(path: path(), create: false, readOnly: true)
        let polls = Int64(Self.polls().count)
        #expect(try connection.scalar("SELECT count(*) FROM polls") == polls)
        let gaugeRows = try connection.scalar(
            """
            SELECT count(*) FROM samples x JOIN series s ON s.id = x.series_id WHERE s.labels = '{"flow_id":"7"}'
            """)!
        #expect(gaugeRows > 50 && gaugeRows < polls / 10)
        // An hour bucket exists only where the series changed (or ended) in that hour.
        let flatHours = try connection.scalar(
            """
            SELECT count(*) FROM rollup_1h r JOIN series s ON s.id = r.series_id WHERE s.labels = '{"flow_id":"8"}'
            """)!
        #expect(flatHours == 5) // first seen, ended, back, and two changes
    }

    @Test func aRestartedWriterEndsSeriesItNoLongerSees() async throws {
        var store = try SeriesStore(path: path())
        try await store.append(
            [Sample(Self.gauge, .gauge, 1), Sample(Self.intermittent, .gauge, 2)], group: "executions",
            at: Self.start)
        await store.close()
        store = try SeriesStore(path: path())
        // Unchanged: no row. Gone: an end marker.
        #expect(try await store.append([Sample(Self.gauge, .gauge, 1)], group: "executions", at: Self.start + 60) == 1)
        let reader = try SeriesReader(path: path())
        let points = try await query(reader, Self.intermittent, tier: .raw, step: 60, to: Self.start + 120)
        #expect(points.map(\.timestamp) == [Self.start])
        #expect(try await query(reader, Self.gauge, tier: .raw, step: 60, to: Self.start + 120).count == 2)
    }

    /// A series that ended and whose rows all passed their retention is deleted, row and all;
    /// a live one stays however old, and one that comes back is stored anew.
    @Test func seriesWithNoDataLeftAreDeleted() async throws {
        let store = try SeriesStore(path: path())
        let ended = Self.intermittent
        try await store.append([Sample(Self.gauge, .gauge, 1), Sample(ended, .gauge, 5)], group: "g", at: Self.start)
        try await store.append([Sample(Self.gauge, .gauge, 1)], group: "g", at: Self.start + 60)
        let policy = RetentionPolicy(seconds: [.raw: 3600, .fiveMinutes: 2 * 3600, .hour: 3 * 3600, .day: 2 * 86400])
        let connection = try SQLiteConnection(path: path(), create: false, readOnly: true)
        func expire(at now: Int64) async throws {
            while try await store.rollUp(now: now) {}
            var after: Int64? = 0
            while let cursor = after { after = try await store.deleteExpired(now: now, policy: policy, afterSeries: cursor).next }
        }
        // Within the daily tier's retention the ended series still has data to show.
        try await expire(at: Self.start + 86400)
        #expect(try connection.scalar("SELECT count(*) FROM series") == 2)
        try await store.append([Sample(Self.gauge, .gauge, 1)], group: "g", at: Self.start + 10 * 86400)
        try await expire(at: Self.start + 10 * 86400 + 3600)
        #expect(try connection.scalar("SELECT count(*) FROM series") == 1, "the ended series is gone")
        for table in ["samples", "rollup_5m", "rollup_1h", "rollup_1d"] {
            #expect(try connection.scalar("SELECT count(*) FROM \(table) WHERE series_id NOT IN (SELECT id FROM series)") == 0)
        }
        #expect(try connection.scalar("SELECT count(*) FROM samples") ?? 0 >= 1, "the live series keeps what it holds")
        // It comes back: a new series, read as ever.
        try await store.append([Sample(Self.gauge, .gauge, 1), Sample(ended, .gauge, 7)], group: "g", at: Self.start + 11 * 86400)
        #expect(try connection.scalar("SELECT count(*) FROM series") == 2)
        let value = try connection.scalar(
            "SELECT value FROM samples s JOIN series x ON x.id = s.series_id WHERE x.labels LIKE '%\"8\"%' ORDER BY ts DESC LIMIT 1"
        )
        #expect(value == 7)
    }

    @Test func retentionKeepsWhatSeriesStillHold() async throws {
        let store = try SeriesStore(path: path())
        try await Self.fill(store)
        let policy = RetentionPolicy(seconds: [.raw: 3600, .fiveMinutes: 6 * 3600, .hour: 86400, .day: 86400 * 365])
        let now = Self.start + 30 * 3600
        func expire() async throws -> Int {
            var after: Int64? = 0
            var deleted = 0
            while let cursor = after {
                let batch = try await store.deleteExpired(now: now, policy: policy, afterSeries: cursor, batch: 2)
                deleted += batch.deleted
                after = batch.next
            }
            return deleted
        }
        // Before any rollup nothing may go.
        #expect(try await expire() == 0)
        while try await store.rollUp(now: now) {}
        #expect(try await expire() > 0)
        let connection = try SQLiteConnection(path: path(), create: false, readOnly: true)
        #expect(try connection.scalar("SELECT min(ts) FROM polls")! >= now - 3600 - 300)
        // One row per series is kept before the cutoff: the value it still holds.
        #expect(try connection.scalar("SELECT count(*) FROM samples WHERE ts < \(now - 3600 - 300)")! <= 3)
        // The daily tier still answers for the whole range, and the hourly one after its cutoff.
        let reader = try SeriesReader(path: path())
        let to = Self.start + 30 * 3600
        for (key, kind) in [(Self.counter, SeriesKind.counter), (Self.gauge, .gauge), (Self.intermittent, .gauge)] {
            #expect(
                EveryPollOracle.same(
                    try await query(reader, key, tier: .day, step: 86400, to: to),
                    Self.expected(key, kind: kind, step: 86400, to: to)))
            let from = Self.start + 6 * 3600
            #expect(
                EveryPollOracle.same(
                    try await query(reader, key, tier: .hour, step: 3600, from: from, to: to),
                    Self.expected(key, kind: kind, step: 3600, from: from, to: to)))
        }
    }

    @Test func aFullDiskFailsTheWriteAndKeepsWhatWasStored() async throws {
        let store = try SeriesStore(path: path())
        try await Self.fill(store)
        let connection = try SQLiteConnection(path: path(), create: false, readOnly: true)
        let stored = try connection.scalar("SELECT count(*) FROM samples")
        try await store.limitPages(try connection.scalar("PRAGMA page_count")! + 1)
        let many = (0..<20_000).map { Sample(SeriesKey("demo_wide", [SeriesLabel("n", String($0))]), .gauge, 1) }
        do {
            _ = try await store.append(many, group: "wide", at: Self.start + 86400)
            Issue.record("the write should have failed")
        } catch let error as StoreError {
            #expect(error.code == .full)
            #expect(error.description.contains(path()))
        }
        #expect(try connection.scalar("SELECT count(*) FROM samples") == stored)
        #expect(try DatabaseMaintenance(path: path(), readOnly: true).integrityCheck() == ["ok"])
        // A small write that fits still works.
        #expect(try await store.append([Sample(Self.gauge, .gauge, 99)], group: "executions", at: Self.start + 86400) == 3)
    }

    @Test func selectorsParseLikePromQLAndNameTheirMistakes() throws {
        let selector = try SeriesSelector.parse(
            #" etlworks_flow_runs_total { status = "error", flow_name=~"ord.*" , x!="a\"b", y!~'z' } "#)
        #expect(selector.name == "etlworks_flow_runs_total")
        #expect(selector.matchers.map(\.op) == [.equal, .matches, .notEqual, .notMatches])
        #expect(selector.matchers[2].value == "a\"b")
        let matches = selector.compiled()
        #expect(matches([SeriesLabel("status", "error"), SeriesLabel("flow_name", "orders"), SeriesLabel("y", "q")]) == true)
        #expect(matches([SeriesLabel("status", "error"), SeriesLabel("flow_name", "my orders")]) == false) // anchored
        #expect(matches([SeriesLabel("status", "success"), SeriesLabel("flow_name", "orders")]) == false)
        #expect(try SeriesSelector.parse("up").matchers.isEmpty)
        for bad in ["", "{a=\"b\"}", "up{", "up{a}", "up{a=b}", "up{a=\"b\"", "up{a=~\"(\"}", "up} x", "9up", "up{a=\"\\q\"}"] {
            #expect(throws: SeriesSelector.ParseError.self, "\(bad)") { try SeriesSelector.parse(bad) }
        }
    }

    /// Each matcher compiled a program of its own, and only the request line bounded their
    /// number: eight regex matchers at most, and their programs together within one's limit.
    @Test func aSelectorsRegexesAreBoundedTogether() throws {
        let evil = "(?:(?:(?:|){1000}){9}.)*"
        let eight = (0..<8).map { "l\($0)=~\"a.*\"" }.joined(separator: ",")
        #expect(try SeriesSelector.parse("up{\(eight)}").matchers.count == 8)
        let nine = (0..<9).map { "l\($0)=~\"a.*\"" }.joined(separator: ",")
        #expect(throws: SeriesSelector.ParseError.self) { try SeriesSelector.parse("up{\(nine)}") }
        #expect(try SeriesSelector.parse("up{a=~\"\(evil)\"}").matchers.count == 1)
        #expect(throws: SeriesSelector.ParseError.self) { try SeriesSelector.parse("up{a=~\"\(evil)\",b!~\"\(evil)\"}") }
        // Plain equality matchers are not regexes and stay unbounded by this rule.
        let equalities = (0..<20).map { "l\($0)=\"x\"" }.joined(separator: ",")
        #expect(try SeriesSelector.parse("up{\(equalities)}").matchers.count == 20)
    }

    @Test func flowNamesAreMatchedByTheFlowsCurrentName() async throws {
        let runs = try SQLiteRunStore(path: path())
        _ = try await runs.replaceFlows([.init(id: 7, name: "orders \"nightly\"")], removeMissing: false)
        let store = try SeriesStore(path: path())
        try await store.append([Sample(Self.gauge, .gauge, 1)], group: "executions", at: Self.start)
        let reader = try SeriesReader(path: path())
        let found = try await reader.matching(SeriesSelector.parse(#"demo_running_runs{flow_name="orders \"nightly\""}"#))
        #expect(found.map(\.labels) == [[SeriesLabel("flow_id", "7"), SeriesLabel("flow_name", "orders \"nightly\"")]])
        _ = try await runs.replaceFlows([.init(id: 7, name: "orders")], removeMissing: false)
        #expect(try await reader.matching(SeriesSelector.parse(#"demo_running_runs{flow_name="orders"}"#)).count == 1)
    }
}
