import Foundation
import Testing

@testable import EtlworksAPI

@Suite struct DecodingTests {
    @Test func runStatusIsMatchedCaseInsensitivelyAndUnknownIsKept() throws {
        let data = Data(
            """
            [{"auditId": 1, "flowId": 7, "status": "SUCCESS", "started": 1764000000000, "ended": 1764000060000},
             {"auditId": 2, "flowId": 7, "status": "Error"},
             {"auditId": 3, "flowId": 7, "status": "exploded", "ended": 1764000000000},
             {"auditId": 4, "flowId": 7, "status": 4},
             {"auditId": 5, "flowId": 7, "status": "1"},
             {"auditId": 6, "flowId": 7, "status": null}]
            """.utf8)
        let page = try FlowRun.decodeHistory(data, flowId: 7)
        #expect(page.items.map(\.status) == [.success, .error, .unknown, .success, .running, .unknown])
        #expect(page.items[2].isCompleted, "an unknown status with an end time is a completed run")
        #expect(!page.items[5].isCompleted, "an unknown status without an end time is not counted")
        #expect(page.items[0].durationMilliseconds == 60_000)
    }

    @Test func theScheduleThatFiredARunIsItsEventId() throws {
        let data = Data(
            """
            [{"auditId": 1, "flowId": 7, "status": "success", "eventId": 12, "eventName": "nightly"},
             {"auditId": 2, "flowId": 7, "status": "success", "eventId": "13"},
             {"auditId": 3, "flowId": 7, "status": "success", "eventId": null},
             {"auditId": 4, "flowId": 7, "status": "success", "eventId": {"id": 5}}]
            """.utf8)
        #expect(try FlowRun.decodeHistory(data, flowId: 7).items.map(\.eventId) == [12, 13, nil, nil])
    }

    @Test func recordsWithoutAuditIdAreSkippedNotFatal() throws {
        let data = Data(
            #"[{"flowId": 7, "status": "success"}, "junk", 42, {"auditId": "9", "status": "queued", "extra": {"x": [1]}}]"#.utf8)
        let page = try FlowRun.decodeHistory(data, flowId: 7)
        #expect(page.items.count == 1)
        #expect(page.items[0].auditId == 9)
        #expect(page.items[0].flowId == 7, "the flow id comes from the path when the record lacks it")
        #expect(page.skipped == 3)
    }

    @Test func timestampsAcceptMillisecondsSecondsAndISO8601() {
        #expect(Timestamp.epochMilliseconds(.integer(1_764_000_000_123)) == 1_764_000_000_123)
        #expect(Timestamp.epochMilliseconds(.integer(1_764_000_000)) == 1_764_000_000_000)
        #expect(Timestamp.epochMilliseconds(.double(1_764_000_000.5)) == 1_764_000_000_500)
        #expect(Timestamp.epochMilliseconds(.string("2025-11-24T16:00:00Z")) == 1_764_000_000_000)
        #expect(Timestamp.epochMilliseconds(.string("2025-11-24T16:00:00.250Z")) == 1_764_000_000_250)
        #expect(Timestamp.epochMilliseconds(.string("2025-11-24T18:00:00+02:00")) == 1_764_000_000_000)
        #expect(Timestamp.epochMilliseconds(.string("1764000000000")) == 1_764_000_000_000)
        #expect(Timestamp.epochMilliseconds(.string("yesterday")) == nil)
        #expect(Timestamp.epochMilliseconds(.null) == nil)
        #expect(Timestamp.epochMilliseconds(.integer(-5)) == nil)
    }

    @Test func dailyExecutionsTakeFlowIdAndNameFromTheGroup() throws {
        let data = Data(
            """
            [{"flowId": 5, "name": "orders \\"x\\"", "executions": [{"auditId": 10, "status": "running", "started": 1764000000000}]},
             {"flowId": 6, "executions": "not a list"},
             {"flowId": 8, "name": "b", "executions": [{"auditId": 11, "flowId": 8, "status": "warning", "ended": "2025-11-24T16:00:00Z", "records": "12"}]}]
            """.utf8)
        let daily = try FlowRun.decodeDailyExecutions(data)
        #expect(daily.runs.count == 2)
        #expect(daily.runs[0].flowId == 5 && daily.runs[0].flowName == #"orders "x""#)
        #expect(daily.runs[1].records == 12)
        #expect(daily.skipped == 1)
    }

    /// Settled runs are passed over undecoded: the rest decode exactly as without them, ids
    /// may be numbers or numeric strings, and only a run's own `auditId` counts (not one in a
    /// nested value).
    @Test func settledRunsArePassedOverAndTheRestDecodeAsBefore() throws {
        let data = Data(
            """
            [{"flowId": 5, "name": "a", "executions": [
                {"status": "success", "auditId": 10, "ended": 1764000000000, "steps": [{"auditId": 12}], "x": {"y": [1, "}"]}},
                {"auditId": "11", "status": "error", "ended": 1764000001000, "note": "a \\"quoted\\" ] text"},
                {"auditId": 12, "status": "running", "started": 1764000000000},
                {"status": "queued", "nested": {"auditId": 10}, "auditId": 13}]},
             {"flowId": 6, "executions": []},
             {"flowId": 8, "name": "b", "executions": [{"auditId": 14, "status": "warning", "ended": 1764000002000}]}]
            """.utf8)
        let all = try FlowRun.decodeDailyExecutions(data)
        #expect(all.runs.map(\.auditId) == [10, 11, 12, 13, 14] && all.passedOver.isEmpty)
        let pruned = try FlowRun.decodeDailyExecutions(data, skipping: [10, 11, 14, 99])
        #expect(pruned.passedOver == [10, 11, 14])
        #expect(pruned.runs == all.runs.filter { [12, 13].contains($0.auditId) })
        #expect(pruned.skipped == all.skipped)
        // A malformed record is still an error, passed over or not.
        #expect(throws: APIDecodingError.self) {
            try FlowRun.decodeDailyExecutions(
                Data(#"[{"flowId": 1, "executions": [{"auditId": 10, "x": tru}]}]"#.utf8), skipping: [10])
        }
    }

    @Test func malformedAndMisshapenAnswersThrow() {
        #expect(throws: APIDecodingError.self) { try Flow.decodePage(Data("<html>".utf8)) }
        #expect(throws: APIDecodingError.self) { try Flow.decodePage(Data(#"[{"id": 1, "name": "cut"#.utf8)) }
        #expect(throws: APIDecodingError.self) { try Flow.decodePage(Data(#"{"items": []}"#.utf8)) }
        #expect(throws: APIDecodingError.self) { try Subscription.decode(Data("[]".utf8)) }
    }

    @Test func absurdRecordCountsAreCutTo2To53() throws {
        let answer = Data(
            (#"[{"auditId": 1, "flowId": 7, "status": "success", "records": 9223372036854775807},"#
                + #" {"auditId": 2, "flowId": 7, "status": "success", "records": -4}]"#).utf8)
        let runs = try FlowRun.decodeHistory(answer, flowId: 7).items
        #expect(runs.map(\.records) == [FlowRun.maxRecords, 0])
    }

    @Test func largeAuditIdsKeepTheirPrecision() throws {
        let page = try FlowRun.decodeHistory(
            Data(#"[{"auditId": 9007199254740993, "flowId": 1, "status": "success"}]"#.utf8), flowId: 1)
        #expect(page.items.first?.auditId == 9_007_199_254_740_993)
    }

    @Test func subscriptionFieldsAreAllOptional() throws {
        let partial = try Subscription.decode(
            Data(#"{"tier": "Business", "usage": {"monthRecords": 1200}, "seats": "n/a"}"#.utf8))
        #expect(partial.tier == "Business")
        #expect(partial.monthUsed == 1200)
        #expect(partial.seatsTotal == nil)
        #expect(partial.monthlyAllowance == nil)
    }

    @Test func summaryConvertsToBaseUnits() throws {
        let summary = try ExecutionsSummary.decode(
            Data(#"{"count": 10, "success": 9, "error": 1, "successRate": 90, "avgDuration": 1500, "maxDuration": 60000}"#.utf8))
        #expect(summary.successRatio == 0.9, "a percentage is read as a ratio")
        #expect(summary.averageDurationSeconds == 1.5)
        #expect(summary.maxDurationSeconds == 60)
        #expect(summary.runs[.success] == 9)
    }

    @Test func agentsAndSchedulesDecodeTolerantly() throws {
        let agents = try Agent.decodePage(
            Data(
                #"[{"id": 1, "name": "a", "status": "ONLINE", "lastSeen": 1764000000000}, {"id": 2, "name": "b", "status": "Offline"}, {"name": "no id"}]"#
                    .utf8))
        #expect(agents.items.map(\.online) == [true, false])
        #expect(agents.skipped == 1)
        let schedules = try FlowSchedule.decodePage(
            Data(#"[{"id": 1, "flowId": 2, "schedule": "0 * * * *", "expectedTime": 5, "enabled": "false"}]"#.utf8))
        #expect(schedules.items.first?.expectedSeconds == 300)
        #expect(schedules.items.first?.enabled == false)
    }

    @Test func jwtExpiryIsReadFromThePayload() {
        let payload = Data(#"{"sub":"u","exp":1764000000}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(
                of: "/", with: "_")
        #expect(JWT.expiry(of: "eyJhbGciOiJIUzI1NiJ9.\(payload).sig") == 1_764_000_000)
        #expect(JWT.expiry(of: "opaque-token") == nil)
    }

    @Test func retryAfterTakesSecondsOrAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_764_000_000)
        #expect(RetryAfter.seconds("7", now: now, limit: 3600) == 7)
        #expect(RetryAfter.seconds("Mon, 24 Nov 2025 16:00:30 GMT", now: now, limit: 3600) == 30)
        #expect(RetryAfter.seconds("Mon, 24 Nov 2025 15:00:00 GMT", now: now, limit: 3600) == 0, "a past date means no wait")
        #expect(RetryAfter.seconds("soon", now: now, limit: 3600) == nil)
        #expect(RetryAfter.seconds(nil, now: now, limit: 3600) == nil)
    }

    @Test func anAbsurdRetryAfterIsCutToTheLimit() async throws {
        let now = Date(timeIntervalSince1970: 1_764_000_000)
        #expect(RetryAfter.seconds("100000000000000000", now: now, limit: 3600) == 3600)
        #expect(RetryAfter.seconds("1e308", now: now, limit: 60) == 60)
        #expect(RetryAfter.seconds("inf", now: now, limit: 60) == 60)
        #expect(RetryAfter.seconds("-5", now: now, limit: 60) == 0)
        #expect(RetryAfter.seconds("nan", now: now, limit: 60) == nil)
        #expect(RetryAfter.seconds("Fri, 31 Dec 2100 23:59:59 GMT", now: now, limit: 3600) == 3600)
        // The limiter itself never traps on a huge pause (it used to, converting to a Duration).
        let limiter = RateLimiter(requestsPerSecond: 0)
        await limiter.pause(seconds: 1e17)
        await limiter.pause(seconds: .infinity)
    }

    @Test func redactorScrubsSecrets() {
        let redactor = Redactor(secrets: ["s3cr3t-key", "abc"])
        #expect(redactor.scrub("token s3cr3t-key leaked") == "token <redacted> leaked")
        #expect(redactor.scrub("abc stays") == "abc stays", "very short secrets are not scrubbed")
    }
}
