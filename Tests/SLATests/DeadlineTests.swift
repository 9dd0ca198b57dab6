import Foundation
import Logging
import Store
import Testing
import Vocabulary

@testable import EtlworksAPI
@testable import ExporterCore
@testable import SLA

/// Issue #26, item 5: "the nightly load must be done by 06:00 on business days".
@Suite struct DeadlineTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let utc = TimeZone(identifier: "UTC")!
    /// Weekdays, Christmas off, as the issue writes it.
    static let nightly = Deadline(at: 6 * 3600, timeZone: berlin, days: Set(2...6), holidays: ["2026-12-25"])

    /// An instant written in UTC, `2026-12-21T05:00:00`.
    static func utcTime(_ text: String) -> Double {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text + "Z")!.timeIntervalSince1970
    }

    @Test func theLatestDeadlineSkipsWeekendsAndHolidaysInItsOwnZone() throws {
        // Tuesday 05:30 in Berlin (UTC+1 in December): Monday's 06:00 is the latest.
        let monday = try #require(Self.nightly.latest(atOrBefore: Self.utcTime("2026-12-22T04:30:00"), in: Self.utc))
        #expect(monday.due == Self.utcTime("2026-12-21T05:00:00"))
        #expect(monday.windowStart == Self.utcTime("2026-12-20T23:00:00"), "from midnight in Berlin")
        // Saturday: Christmas Friday is a holiday, so Thursday's stands.
        let thursday = try #require(Self.nightly.latest(atOrBefore: Self.utcTime("2026-12-26T11:00:00"), in: Self.utc))
        #expect(thursday.due == Self.utcTime("2026-12-24T05:00:00"))
        #expect(
            Self.nightly.next(after: Self.utcTime("2026-12-24T06:00:00"), in: Self.utc) == Self.utcTime("2026-12-28T05:00:00"))
        // In the engine's zone when the rule names none.
        var inUTC = Self.nightly
        inUTC.timeZone = nil
        #expect(
            inUTC.latest(atOrBefore: Self.utcTime("2026-12-22T05:30:00"), in: Self.utc)?.due
                == Self.utcTime("2026-12-21T06:00:00"))
        #expect(
            inUTC.latest(atOrBefore: Self.utcTime("2026-12-22T06:30:00"), in: Self.utc)?.due
                == Self.utcTime("2026-12-22T06:00:00"))
    }

    @Test func aWindowAcrossMidnightOpensTheDayBeforeAndClockChangesHold() throws {
        let overnight = Deadline(at: 6 * 3600, after: 22 * 3600, timeZone: Self.berlin)
        // The first of the month: its window opens on the last day of the month before.
        let first = try #require(overnight.latest(atOrBefore: Self.utcTime("2027-01-01T07:00:00"), in: Self.utc))
        #expect(first.due == Self.utcTime("2027-01-01T05:00:00"))
        #expect(first.windowStart == Self.utcTime("2026-12-31T21:00:00"))
        // 2026-03-29: Berlin skips 02:00-03:00; a 02:30 deadline falls after the gap, once.
        let skipped = Deadline(at: 2 * 3600 + 1800, timeZone: Self.berlin)
        let due = try #require(skipped.latest(atOrBefore: Self.utcTime("2026-03-29T03:00:00"), in: Self.utc))
        #expect(due.due >= Self.utcTime("2026-03-29T00:30:00") && due.due <= Self.utcTime("2026-03-29T01:30:00"))
        #expect(skipped.next(after: due.due, in: Self.utc) == Self.utcTime("2026-03-30T00:30:00"), "02:30 CEST the next day")
    }

    @Test func timesAndDatesAreParsedStrictly() {
        #expect(Deadline.parseTime("06:00") == 21600 && Deadline.parseTime("23:59:30") == 86370)
        #expect(Deadline.parseTime("6:00") == nil && Deadline.parseTime("24:00") == nil && Deadline.parseTime("06:60") == nil)
        #expect(Deadline.isDate("2026-12-25") && !Deadline.isDate("2026-02-30") && !Deadline.isDate("25.12.2026"))
    }
}

extension SLAEngineTests {
    /// The nightly load: done by 06:00 Berlin time on business days. A flow that never
    /// succeeded breaches; a late success ends the episode; weekends and holidays do not count.
    @Test func aDeadlineBreachesFromItsTimeUntilASuccessAndSkipsHolidays() async throws {
        let rule = SLARule(
            name: "nightly", target: .flows(FlowSelector()), condition: .deadline(DeadlineTests.nightly), severity: .critical)
        let at = DeadlineTests.utcTime
        let (store, engine, state) = try await open(rules: [rule], now: at("2026-12-21T03:00:00"))
        func evaluate(_ time: String) async -> [Int64: SLAResult] {
            let snapshot = await engine.evaluate(now: at(time))
            return Dictionary(uniqueKeysWithValues: snapshot.results.map { ($0.target.id, $0) })
        }
        // Monday: flow 7 done at 05:00 Berlin; flow 8 never ran.
        try await ingest(
            [run(1, flow: 7, .success, endedAt: at("2026-12-21T04:00:00"))], store: store, engine: engine, state: state,
            at: at("2026-12-21T04:01:00"))
        var results = await evaluate("2026-12-21T06:00:00")
        #expect(results[7]?.phase == .ok)
        #expect(results[8]?.phase == .breaching && results[8]?.measurement.value == 3600, "an hour past 06:00 Berlin")
        #expect(results[8]?.since == at("2026-12-21T05:00:00"))
        // Tuesday: flow 7 late; it succeeds at 07:15 Berlin and the episode ends.
        results = await evaluate("2026-12-22T05:30:00")
        #expect(results[7]?.phase == .breaching && results[7]?.measurement.value == 1800)
        try await ingest(
            [run(2, flow: 7, .success, endedAt: at("2026-12-22T06:15:00"))], store: store, engine: engine, state: state,
            at: at("2026-12-22T06:16:00"))
        results = await evaluate("2026-12-22T06:20:00")
        #expect(results[7]?.phase == .ok, "a late success ends the episode")
        // Wednesday and Thursday on time; Christmas Friday and the weekend owe nothing.
        try await ingest(
            [
                run(3, flow: 7, .success, endedAt: at("2026-12-23T04:00:00")),
                run(4, flow: 7, .success, endedAt: at("2026-12-24T04:00:00"))
            ], store: store, engine: engine, state: state, at: at("2026-12-24T04:01:00"))
        for time in ["2026-12-24T08:00:00", "2026-12-25T09:00:00", "2026-12-26T12:00:00", "2026-12-28T04:59:00"] {
            #expect(await evaluate(time)[7]?.phase == .ok, "\(time)")
        }
        results = await evaluate("2026-12-28T05:01:00")
        #expect(results[7]?.phase == .breaching && results[7]?.measurement.value == 60, "Monday's load is due again")
        #expect(results[7]?.breachesTotal == 2)
    }
}
