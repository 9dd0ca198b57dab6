import EtlworksAPI
import ExporterBase
import ExporterCore
import Foundation
import Hummingbird
import SLA
import SLAStore
import SeriesQuery
import Store

/// `/api/v1/sla`, `/api/v1/sla/history` and the `/sla` page.
public struct SLAController: ExporterController {
    let state: ExporterState
    let store: SLAStateStore
    let now: @Sendable () -> Date
    /// Episodes one history answer holds at most: a range holding more is refused, as a
    /// silently cut answer would leave out its newest breaches.
    let historyLimit: Int
    /// Breaches the page lists: the newest.
    let pageLimit: Int

    public init(
        state: ExporterState, store: SLAStateStore, now: @escaping @Sendable () -> Date = { Date() },
        historyLimit: Int = 100_000, pageLimit: Int = 500
    ) {
        self.state = state
        self.store = store
        self.now = now
        self.historyLimit = historyLimit
        self.pageLimit = pageLimit
    }

    public func register(on router: Router<ExporterRequestContext>) {
        router.get("/api/v1/sla") { request, _ -> Response in
            let onlyBreaching = QueryString.parse(request.uri.query)["state"] == "breaching"
            return .json(JSONDocument.encode(SLADocument(await state.snapshot().sla, onlyBreaching: onlyBreaching)))
        }
        router.get("/api/v1/sla/history") { request, _ -> Response in
            await history(QueryString.parse(request.uri.query))
        }
        router.get("/sla") { _, _ -> Response in
            let time = now().timeIntervalSince1970
            let episodes =
                (try? await store.episodes(
                    from: EpochMillis.from(seconds: time - 7 * 86400, .towardZero), to: Int64.max, limit: pageLimit + 1,
                    newest: true)) ?? []
            return .html(
                SLAPage.render(
                    await state.snapshot().sla, episodes: Array(episodes.suffix(pageLimit)), now: time,
                    more: episodes.count > pageLimit))
        }
    }

    /// Episodes overlapping `from`..`to` (RFC 3339 or epoch seconds; default the last 7 days).
    private func history(_ parameters: [String: String]) async -> Response {
        do throws(SeriesQueryError) {
            let to =
                try parameters["to"].map { text throws(SeriesQueryError) in try SeriesQueryRequest.time(text, parameter: "to") }
                ?? Int64(now().timeIntervalSince1970)
            let from =
                try parameters["from"].map { text throws(SeriesQueryError) in try SeriesQueryRequest.time(text, parameter: "from")
                }
                ?? to - 7 * 86400
            guard from < to else { throw SeriesQueryError(parameter: "from", message: "must be before to") }
            do {
                let episodes = try await store.episodes(
                    from: EpochMillis.from(wholeSeconds: from), to: EpochMillis.from(wholeSeconds: to), limit: historyLimit + 1)
                guard episodes.count <= historyLimit else {
                    let message = "more than \(historyLimit) episodes overlap this range; narrow from and to"
                    return .json(ErrorDocument(message, parameter: "from").data, status: .badRequest)
                }
                return .json(JSONDocument.encode(SLAHistoryDocument(episodes, from: Double(from), to: Double(to))))
            } catch {
                return .json(ErrorDocument(String(describing: error)).data, status: .serviceUnavailable)
            }
        } catch {
            return .json(ErrorDocument(error.message, parameter: error.parameter).data, status: .badRequest)
        }
    }
}
