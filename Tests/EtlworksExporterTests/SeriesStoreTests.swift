import Foundation
import Testing
@testable import Store

@Suite struct SeriesStoreTests {
    let directory: URL
    init() throws { directory = try Tools.temporaryDirectory() }

    func path(_ name: String = "series.db") -> String { directory.appendingPathComponent(name).path }

    static let start: Int64 = 1_790_000_000 - 1_790_000_000 % 86400   // a UTC midnight
    static let counter = SeriesKey("demo_runs_total", [SeriesLabel("flow_id", "7"), SeriesLabel("status", "success")])
    static let gauge = SeriesKey("demo_running_runs", [SeriesLabel("flow_id", "7")])

    /// 30 hours of one-minute samples with two counter resets and a two-hour outage.
    static func history() -> [(time: Int64, counter: Double, gauge: Double)] {
        var rows: [(Int64, Double, Double)] = []
        var total = 100.0
        for minute in 0..<(30 * 60) {
            if minute >= 600 && minute < 720 { continue }          // the exporter was down
            if minute == 300 || minute == 1500 { total = 2 }        // the source restarted
            total += Double(minute % 7)
            rows.append((start + Int64(minute) * 60 + 13, total, Double((minute * 37) % 11)))
        }
        return rows
    }

    static func fill(_ store: SeriesStore) async throws {
        for row in history() {
            try await store.append([Sample(counter, .counter, row.counter), Sample(gauge, .gauge, row.gauge)], at: row.time)
        }
    }

    static func expected(_ kind: SeriesKind, width: Int64) -> [(start: Int64, bucket: RollupBucket)] {
        var consolidator = BucketConsolidator(width: width, kind: kind)
        for row in history() { consolidator.add(timestamp: row.time, value: kind == .counter ? row.counter : row.gauge) }
        return consolidator.drain()
    }

    static func rows(_ path: String, tier: RollupTier, series: SeriesKey) throws -> [(start: Int64, bucket: RollupBucket)] {
        let connection = try SQLiteConnection(path: path, create: false, readOnly: true)
        let statement = try connection.statement("""
            SELECT r.bucket, r.count, r.sum, r.min, r.max, r.last, r.increase FROM \(tier.table) r
            JOIN series s ON s.id = r.series_id WHERE s.name = ?1 AND s.labels = ?2 ORDER BY r.bucket
            """)
        try statement.bind(.text(series.name), .text(series.canonicalLabels))
        var result: [(Int64, RollupBucket)] = []
        while try statement.step() {
            result.append((statement.int(0), RollupBucket(count: statement.int(1), sum: statement.double(2), min: statement.double(3),
                                                          max: statement.double(4), last: statement.double(5),
                                                          increase: statement.optionalDouble(6))))
        }
        return result
    }

    static func same(_ lhs: [(start: Int64, bucket: RollupBucket)], _ rhs: [(start: Int64, bucket: RollupBucket)]) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { a, b in
            a.start == b.start && a.bucket.count == b.bucket.count && a.bucket.min == b.bucket.min
                && a.bucket.max == b.bucket.max && a.bucket.last == b.bucket.last && abs(a.bucket.sum - b.bucket.sum) < 1e-6
                && abs((a.bucket.increase ?? -1) - (b.bucket.increase ?? -1)) < 1e-6
        }
    }

    @Test func everyTierEqualsConsolidatingTheRawSamples() async throws {
        let store = try SeriesStore(path: path())
        try await Self.fill(store)
        let now = Self.start + 3 * 86400
        while try await store.rollUp(now: now, maxChunks: 7) {}
        for tier in [RollupTier.fiveMinutes, .hour, .day] {
            #expect(Self.same(try Self.rows(path(), tier: tier, series: Self.counter), Self.expected(.counter, width: tier.seconds)),
                    "counter at \(tier.rawValue)")
            #expect(Self.same(try Self.rows(path(), tier: tier, series: Self.gauge), Self.expected(.gauge, width: tier.seconds)),
                    "gauge at \(tier.rawValue)")
        }
        // The outage left no bucket behind, rather than zeros.
        let fiveMinutes = try Self.rows(path(), tier: .fiveMinutes, series: Self.counter).map(\.start)
        #expect(!fiveMinutes.contains { $0 >= Self.start + 600 * 60 && $0 < Self.start + 720 * 60 })
        #expect(try await store.watermark(of: .fiveMinutes) == RollupTier.fiveMinutes.bucket(of: now - SeriesStore.rollupGrace))
        #expect(try await store.watermark(of: .day) == Self.start + 2 * 86400)
        // Rolling up again changes nothing.
        let before = try Self.rows(path(), tier: .hour, series: Self.counter)
        #expect(try await store.rollUp(now: now) == false)
        #expect(Self.same(before, try Self.rows(path(), tier: .hour, series: Self.counter)))
    }

    @Test func queriesAgreeWhateverTierAnswersThemAndLeaveGapsEmpty() async throws {
        let store = try SeriesStore(path: path())
        try await Self.fill(store)
        let reader = try SeriesReader(path: path())
        let selector = try SeriesSelector.parse("demo_runs_total{flow_id=\"7\"}")
        let to = Self.start + 30 * 3600
        func query(_ tier: RollupTier) async throws -> [SeriesPoint] {
            try await reader.query(selector, tier: tier, from: Self.start, to: to, step: 3600, maxSeries: 10)[0].points
        }
        let fromRaw = try await query(.raw)
        // Nothing rolled up yet: the hourly tier is computed from raw samples.
        #expect(try await query(.hour) == fromRaw)
        // Partly rolled up, then fully: the same answer.
        _ = try await store.rollUp(now: Self.start + 20 * 3600, maxChunks: 1000)
        #expect(try await query(.hour) == fromRaw)
        #expect(try await query(.fiveMinutes) == fromRaw)
        while try await store.rollUp(now: Self.start + 3 * 86400) {}
        #expect(try await query(.hour) == fromRaw)
        #expect(fromRaw.count == 28)    // 30 hours minus the two-hour outage
        #expect(!fromRaw.contains { $0.timestamp == Self.start + 10 * 3600 || $0.timestamp == Self.start + 11 * 3600 })
        let expected = Self.expected(.counter, width: 3600)
        #expect(fromRaw.map(\.values.increase) == expected.map(\.bucket.increase))
    }

    @Test func anUnchangedValueIsOneRowPerFiveMinuteBucketYetEveryPollCounts() async throws {
        let store = try SeriesStore(path: path())
        let key = SeriesKey("demo_flat")
        var written = 0
        for second in stride(from: Int64(0), to: 900, by: 30) {
            written += try await store.append([Sample(key, .gauge, 5), Sample(key, .gauge, .nan)], at: Self.start + second)
        }
        #expect(written == 3)
        #expect(try await store.append([Sample(key, .gauge, 6)], at: Self.start + 905) == 1)
        let reader = try SeriesReader(path: path())
        let points = try await reader.query(SeriesSelector.parse("demo_flat"), tier: .raw, from: Self.start, to: Self.start + 1200,
                                            step: 300, maxSeries: 1)[0].points
        #expect(points.map(\.values.count) == [10, 10, 10, 1])
        #expect(points.map(\.values.average) == [5, 5, 5, 6])
    }

    @Test func retentionDropsExpiredRowsButNeverWhatIsNotRolledUp() async throws {
        let store = try SeriesStore(path: path())
        try await Self.fill(store)
        let policy = RetentionPolicy(seconds: [.raw: 3600, .fiveMinutes: 6 * 3600, .hour: 86400, .day: 86400 * 365])
        let now = Self.start + 30 * 3600
        // Before any rollup nothing may go.
        #expect(try await store.deleteExpired(now: now, policy: policy) == 0)
        while try await store.rollUp(now: now) {}
        var deleted = 0
        while case let batch = try await store.deleteExpired(now: now, policy: policy), batch > 0 { deleted += batch }
        #expect(deleted > 0)
        let connection = try SQLiteConnection(path: path(), create: false, readOnly: true)
        #expect(try connection.scalar("SELECT min(bucket) FROM samples")! >= now - 3600 - 300)
        #expect(try connection.scalar("SELECT min(bucket) FROM rollup_5m")! >= now - 6 * 3600 - 3600)
        // Hours already rolled into the first day go after a day; the day stays.
        #expect(try connection.scalar("SELECT min(bucket) FROM rollup_1h") == Self.start + 6 * 3600)
        #expect(Self.same(try Self.rows(path(), tier: .day, series: Self.counter),
                          Array(Self.expected(.counter, width: 86400).dropLast())))
        // A series not seen for longer than every retention is dropped, and comes back when
        // it is seen again.
        let gone = SeriesKey("demo_gone")
        try await store.append([Sample(gone, .gauge, 1)], at: now + 10)
        while try await store.rollUp(now: now + 86400) {}
        let short = RetentionPolicy(seconds: [.raw: 3600, .fiveMinutes: 3600, .hour: 3600, .day: 3600])
        while try await store.deleteExpired(now: now + 400 * 86400, policy: short) > 0 {}
        #expect(try connection.scalar("SELECT count(*) FROM series WHERE name = 'demo_gone'") == 0)
        #expect(try await store.append([Sample(gone, .gauge, 1)], at: now + 401 * 86400) == 1)
        #expect(try connection.scalar("SELECT count(*) FROM series WHERE name = 'demo_gone'") == 1)
    }

    @Test func aFullDiskFailsTheWriteAndKeepsWhatWasStored() async throws {
        let store = try SeriesStore(path: path())
        try await Self.fill(store)
        let connection = try SQLiteConnection(path: path(), create: false, readOnly: true)
        let stored = try connection.scalar("SELECT count(*) FROM samples")
        try await store.limitPages(try connection.scalar("PRAGMA page_count")! + 1)
        let many = (0..<20_000).map { Sample(SeriesKey("demo_wide", [SeriesLabel("n", String($0))]), .gauge, 1) }
        await #expect(throws: StoreError.self) { try await store.append(many, at: Self.start + 86400) }
        do {
            _ = try await store.append(many, at: Self.start + 86400)
        } catch let error as StoreError {
            #expect(error.code == .full)
            #expect(error.description.contains(path()))
        }
        #expect(try connection.scalar("SELECT count(*) FROM samples") == stored)
        #expect(try DatabaseMaintenance(path: path(), readOnly: true).integrityCheck() == ["ok"])
        // A small write that fits still works.
        #expect(try await store.append([Sample(Self.gauge, .gauge, 99)], at: Self.start + 86400) == 1)
    }

    @Test func selectorsParseLikePromQLAndNameTheirMistakes() throws {
        let selector = try SeriesSelector.parse(#" etlworks_flow_runs_total { status = "error", flow_name=~"ord.*" , x!="a\"b", y!~'z' } "#)
        #expect(selector.name == "etlworks_flow_runs_total")
        #expect(selector.matchers.map(\.op) == [.equal, .matches, .notEqual, .notMatches])
        #expect(selector.matchers[2].value == "a\"b")
        let matches = selector.compiled()
        #expect(matches([SeriesLabel("status", "error"), SeriesLabel("flow_name", "orders"), SeriesLabel("y", "q")]))
        #expect(!matches([SeriesLabel("status", "error"), SeriesLabel("flow_name", "my orders")]))  // anchored
        #expect(!matches([SeriesLabel("status", "success"), SeriesLabel("flow_name", "orders")]))
        #expect(try SeriesSelector.parse("up").matchers.isEmpty)
        for bad in ["", "{a=\"b\"}", "up{", "up{a}", "up{a=b}", "up{a=\"b\"", "up{a=~\"(\"}", "up} x", "9up", "up{a=\"\\q\"}"] {
            #expect(throws: SeriesSelector.ParseError.self, "\(bad)") { try SeriesSelector.parse(bad) }
        }
    }

    @Test func flowNamesAreMatchedByTheFlowsCurrentName() async throws {
        let runs = try SQLiteRunStore(path: path())
        _ = try await runs.replaceFlows([.init(id: 7, name: "orders \"nightly\"")], removeMissing: false)
        let store = try SeriesStore(path: path())
        try await store.append([Sample(Self.gauge, .gauge, 1)], at: Self.start)
        let reader = try SeriesReader(path: path())
        let found = try await reader.matching(SeriesSelector.parse(#"demo_running_runs{flow_name="orders \"nightly\""}"#))
        #expect(found.map(\.labels) == [[SeriesLabel("flow_id", "7"), SeriesLabel("flow_name", "orders \"nightly\"")]])
        _ = try await runs.replaceFlows([.init(id: 7, name: "orders")], removeMissing: false)
        #expect(try await reader.matching(SeriesSelector.parse(#"demo_running_runs{flow_name="orders"}"#)).count == 1)
    }
}
