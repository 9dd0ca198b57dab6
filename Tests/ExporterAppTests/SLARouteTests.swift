import ExporterBase
import ExporterCore
import Foundation
import Hummingbird
import HummingbirdTesting
import SLA
import SLAStore
import Store
import TestSupport
import Testing

@testable import ExporterApp

/// The SLA history and page when a range holds more breaches than one answer lists (a replay
/// can write hundreds of thousands): the history refuses the range rather than leave out its
/// newest breaches, and the page lists the newest.
@Suite struct SLARouteTests {
    @Test func aRangeWithMoreBreachesThanAnAnswerHoldsIsRefusedAndThePageListsTheNewest() async throws {
        let directory = try Tools.temporaryDirectory()
        let store = try SLAStateStore(path: directory.appendingPathComponent("sla.db").path)
        let now: Double = 1_790_000_000
        let base = now - 86400
        // 30 breaches of a minute, ten minutes apart, over the last day.
        var replay = SLAStateStore.Replay()
        replay.targets = [
            SLAStateStore.Replay.Target(
                rule: "streak", target: "flow:7", targetName: "orders", severity: "warning",
                episodes: (0..<30).map { index in
                    let start = Int64((base + Double(index) * 600) * 1000)
                    return ReplayedEpisode(startMs: start, endMs: start + 60_000, peak: 2, threshold: 2)
                }, state: nil)
        ]
        _ = try await store.apply(replay)
        let state = ExporterState(storagePath: "", intervals: [:], requests: RequestCounter())
        let controller = SLAController(
            view: ExporterView(state: state), store: store, now: { Date(timeIntervalSince1970: now) }, historyLimit: 20,
            pageLimit: 5)
        try await Application(router: ExporterRoutes.router([controller])).test(.router) { client in
            try await client.execute(uri: "/api/v1/sla/history?from=\(Int(now) - 2 * 86400)&to=\(Int(now))", method: .get) {
                response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("more than 20 episodes overlap this range"))
            }
            // The last ten breaches' span is answered whole.
            try await client.execute(uri: "/api/v1/sla/history?from=\(Int(base) + 20 * 600)&to=\(Int(now))", method: .get) {
                response in
                #expect(response.status == .ok)
                let document = try JSONDecoder().decode(SLAHistoryDocument.self, from: Data(String(buffer: response.body).utf8))
                #expect(document.episodes.count == 10)
            }
            try await client.execute(uri: "/sla", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(page.contains(UTCTime.format(base + 29 * 600)), "the newest is listed")
                #expect(!page.contains(UTCTime.format(base + 24 * 600)), "the sixth newest is not")
                #expect(page.contains("The newest 5 are shown"))
            }
        }
    }
}
