import Foundation
import Testing

@testable import EtlworksAPI

/// Summary, agents, subscription and system info have guessed shapes: an answer of another
/// shape must say so (its keys, never its values) instead of decoding silently to nothing.
@Suite struct UnpublishedShapeTests {
    @Test func agentsTakeStringOrNumberIdsAndEveryStateWord() throws {
        let page = try Agent.decodePage(
            Data(
                #"""
                [{"id": 501, "name": "a", "status": "Online"},
                 {"id": "agt-7", "name": "b", "status": "STOPPED"},
                 {"id": "9", "name": "c", "status": "suspended"},
                 {"id": 10, "name": "d", "status": "offline"},
                 {"id": 11, "name": "e", "status": "rebooting"},
                 {"name": "no id"}]
                """#.utf8))
        #expect(page.items.map(\.id) == ["501", "agt-7", "9", "10", "11"])
        #expect(page.items.map(\.state) == [.online, .stopped, .suspended, .offline, .unknown])
        #expect(page.items.map(\.online) == [true, false, false, false, false])
        #expect(page.skipped == 1 && page.unrecognizedKeys == nil)
        #expect(page.items[2].numericId == 9)
        #expect(page.items[1].numericId == Agent(id: "agt-7", name: "", state: .online).numericId, "stable")
        #expect((0..<(1 << 53)).contains(page.items[1].numericId))
    }

    @Test func answersWithNoneOfTheExpectedFieldsNameTheirKeysOnly() throws {
        let summary = try ExecutionsSummary.decode(Data(#"{"stats": {"ok": 1}, "token": "s3cret"}"#.utf8))
        #expect(summary.unrecognizedKeys == "stats, token")
        #expect(try ExecutionsSummary.decode(Data(#"{"count": 3, "other": 1}"#.utf8)).unrecognizedKeys == nil)
        let subscription = try Subscription.decode(Data(#"{"plan": {"name": "x"}}"#.utf8))
        #expect(subscription.unrecognizedKeys == "plan")
        #expect(try Subscription.decode(Data(#"{"tier": "Business"}"#.utf8)).unrecognizedKeys == nil)
        #expect(try SystemInfo.decode(Data(#"{"appVersion": "6"}"#.utf8)).unrecognizedKeys == "appVersion")
        #expect(try SystemInfo.decode(Data("{}".utf8)).unrecognizedKeys == "none")
        let agents = try Agent.decodePage(Data(#"[{"agentName": "a", "agentState": "ONLINE"}]"#.utf8))
        #expect(agents.items.isEmpty && agents.unrecognizedKeys == "agentName, agentState")
        #expect(try Agent.decodePage(Data("[]".utf8)).unrecognizedKeys == nil, "an empty list is a fine answer")
    }
}
