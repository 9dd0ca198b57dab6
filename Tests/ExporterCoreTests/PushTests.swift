import ExporterConfiguration
import Foundation
import Testing
import Vocabulary

@testable import ExporterCore

/// The pure parts of pushed runs: reading a webhook call, checking its credentials,
/// dropping repeated events, and telling which source saw each run.
struct PushTests {
    static let documented = Data(
        """
        {"eventId": "7027e72b-1b1a-4d5a-9c1e-0f1f3a7f1c11", "eventType": "Flow.Executed", "webhookId": 1,
         "entityId": 11225, "entity": {"status": "success"},
         "entityUrl": "https://host/rest/v1/flows/1?auditId=11225", "timestamp": 1588429200207}
        """.utf8)

    @Test func theDocumentedBodyNamesTheRunAndItsFlow() throws {
        let event = try WebhookEvent.decode(body: Self.documented, headers: [:])
        #expect(event.eventId == "7027e72b-1b1a-4d5a-9c1e-0f1f3a7f1c11")
        #expect(event.eventType == "Flow.Executed" && event.label == "Flow.Executed")
        #expect(event.auditId == 11225 && event.flowId == 1)
        // The header's event id wins: it is unique per call.
        let fromHeader = try WebhookEvent.decode(body: Self.documented, headers: ["x-etl-webhook-event-id": "abc"])
        #expect(fromHeader.eventId == "abc")
    }

    @Test func headersStandInForMissingBodyFields() throws {
        let event = try WebhookEvent.decode(
            body: Data("{}".utf8),
            headers: [
                "x-etl-webhook-event": "Flow.Executed", "x-etl-webhook-entity-id": "42",
                "x-etl-webhook-entity-url": "https://host/rest/v1/flows/9?auditId=42"
            ])
        #expect(event.auditId == 42 && event.flowId == 9)
        // The audit id from entityUrl's query when entityId is missing; ids given as strings.
        let query = try WebhookEvent.decode(
            body: Data(#"{"eventType":"Flow.Executed","entityUrl":"http://h/rest/v1/flows/7?auditId=8"}"#.utf8), headers: [:])
        #expect(query.auditId == 8 && query.flowId == 7)
        let strings = try WebhookEvent.decode(
            body: Data(#"{"eventType":"Flow.Executed","entityId":"31","entityUrl":"/flows/5"}"#.utf8), headers: [:])
        #expect(strings.auditId == 31 && strings.flowId == 5)
    }

    @Test func malformedCallsAreRefusedNamingWhy() {
        func problem(_ body: String, _ headers: [String: String] = [:]) -> WebhookEvent.Problem? {
            do {
                _ = try WebhookEvent.decode(body: Data(body.utf8), headers: headers)
                return nil
            } catch { return error }
        }
        #expect(problem("not json") == .notAnObject)
        #expect(problem("[1, 2]") == .notAnObject)
        #expect(problem("{}") == .noEventType)
        #expect(problem(#"{"eventType":"Flow.Executed","entityId":5}"#) == .noRun)
        #expect(problem(#"{"eventType":"Flow.Executed","entityUrl":"https://h/rest/v1/flows/x?auditId=3"}"#) == .noRun)
        #expect(problem(#"{"eventType":"Flow.Executed","entityId":-1,"entityUrl":"/flows/2"}"#) == .noRun)
        let long = String(repeating: "e", count: 257)
        #expect(problem(#"{"eventType":"Flow.Saved","eventId":"\#(long)"}"#) == .longEventId)
        #expect(problem(#"{"eventType":"Flow.Saved","eventId":"\#(long.dropLast())"}"#) == nil)
        // Another event is accepted without a run, and its name never becomes a label value.
        #expect(problem(#"{"eventType":"Flow.Saved"}"#) == nil)
        let hostile = try? WebhookEvent.decode(body: Data(#"{"eventType":"x\"}\n{a=\"b"}"#.utf8), headers: [:])
        #expect(hostile?.label == "other")
    }

    @Test func basicCredentialsAndHeadersAreCheckedExactly() {
        let basic = PushSettings.Credential.basic(user: "etl", password: "s3cret:x")
        func authorization(_ text: String) -> (String) -> String? {
            { $0 == "authorization" ? "Basic " + Data(text.utf8).base64EncodedString() : nil }
        }
        #expect(PushCredentialCheck.accepts(basic, header: authorization("etl:s3cret:x")))
        #expect(!PushCredentialCheck.accepts(basic, header: authorization("etl:s3cret")))
        #expect(!PushCredentialCheck.accepts(basic, header: authorization("etl:s3cret:xx")))
        #expect(!PushCredentialCheck.accepts(basic, header: authorization("ETL:s3cret:x")))
        #expect(!PushCredentialCheck.accepts(basic, header: { _ in "Bearer abc" }))
        #expect(!PushCredentialCheck.accepts(basic, header: { _ in nil }))
        let header = PushSettings.Credential.header(name: "X-Webhook-Token", value: "t0ken")
        #expect(PushCredentialCheck.accepts(header, header: { $0 == "x-webhook-token" ? "t0ken" : nil }))
        #expect(!PushCredentialCheck.accepts(header, header: { $0 == "x-webhook-token" ? "t0ke" : nil }))
        #expect(!PushCredentialCheck.accepts(header, header: authorization("etl:t0ken")))
        #expect(
            PushCredentialCheck.equal("", "") && !PushCredentialCheck.equal("a", "") && !PushCredentialCheck.equal("ab", "ba"))
    }

    @Test func repeatedEventsAreDroppedForADayWithinABound() {
        var recent = RecentKeys<String>(lifetime: 100, capacity: 3)
        let answers = [
            recent.insert("a", now: 0), recent.insert("a", now: 50), recent.insert("a", now: 100),
            recent.insert("b", now: 101), recent.insert("c", now: 102), recent.insert("d", now: 103)
        ]
        // Once, again within its lifetime, again after it (forgotten), then three more.
        #expect(answers == [true, false, true, true, true, true])
        #expect(recent.count == 3)
        #expect(!recent.contains("a"), "the oldest goes first beyond the capacity")
        let again = recent.insert("d", now: 104)
        #expect(!again)
    }

    @Test func eachRunCountsOnceUnderTheSourceThatSawItFirstAndOnceMoreUnderBoth() {
        var ledger = PushLedger()
        ledger.saw([1, 2, 3], by: .poll, now: 0)
        ledger.saw([3, 4], by: .push, now: 1)
        ledger.saw([4, 5], by: .push, now: 2)
        ledger.saw([1, 2, 3, 4], by: .poll, now: 3)
        ledger.saw([3, 4], by: .push, now: 4)
        #expect(ledger.poll == 3) // 1, 2, 3
        #expect(ledger.push == 2) // 4, 5
        #expect(ledger.both == 2) // 3 (pushed after polled), 4 (polled after pushed)
    }

    @Test func aFullQueueRefusesAndTheSendersRetryIsNotADuplicate() async {
        let state = ExporterState(storagePath: "", intervals: [:], requests: RequestCounter())
        var settings = PushSettings(credential: .header(name: "X-T", value: "v"))
        settings.queueCapacity = 1
        let receiver = PushReceiver(settings: settings, state: state)
        func event(_ id: String, _ auditId: Int64) -> WebhookEvent {
            WebhookEvent(eventId: id, eventType: WebhookEvent.flowExecuted, auditId: auditId, flowId: 1)
        }
        #expect(await receiver.receive(event("a", 1), now: 0) == .accepted)
        #expect(await receiver.receive(event("b", 2), now: 0) == .rejected(.queueFull))
        await receiver.taken()
        #expect(await receiver.receive(event("b", 2), now: 1) == .accepted)
        #expect(await receiver.receive(event("b", 2), now: 2) == .duplicate)
        let stats = await state.snapshot().push
        #expect(stats?.received[WebhookEvent.flowExecuted] == 2)
        #expect(stats?.rejected[.queueFull] == 1 && stats?.duplicates == 1)
    }
}
