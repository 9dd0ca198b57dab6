import EtlworksAPI
import ExporterBase
import ExporterCore
import Foundation
import Hummingbird
import SLA
import SLAStore
import SeriesQuery
import Store
import Vocabulary

/// `/api/v1/sla`, `/api/v1/sla/history` and the `/sla` page. With `etlworks.tenants`, every
/// tenant's results and breaches, each naming its tenant; `?tenant=ID` keeps one tenant's.
public struct SLAController: ExporterController {
    let view: ExporterView
    let store: SLAStateStore
    let now: @Sendable () -> Date
    /// Episodes one history answer holds at most: a range holding more is refused, as a
    /// silently cut answer would leave out its newest breaches.
    let historyLimit: Int
    /// Breaches the page lists: the newest.
    let pageLimit: Int

    public init(
        view: ExporterView, store: SLAStateStore, now: @escaping @Sendable () -> Date = { Date() },
        historyLimit: Int = 100_000, pageLimit: Int = 500
    ) {
        self.view = view
        self.store = store
        self.now = now
        self.historyLimit = historyLimit
        self.pageLimit = pageLimit
    }

    public func register(on router: Router<ExporterRequestContext>) {
        router.get("/api/v1/sla") { request, _ -> Response in
            let parameters = QueryString.parse(request.uri.query)
            var sla = await view.sla()
            if let tenant = parameters["tenant"] { sla.results.removeAll { $0.tenant?.id != tenant } }
            return .json(JSONDocument.encode(SLADocument(sla, onlyBreaching: parameters["state"] == "breaching")))
        }
        router.get("/api/v1/sla/history") { request, _ -> Response in
            await history(QueryString.parse(request.uri.query))
        }
        router.get("/sla") { _, _ -> Response in
            let time = now().timeIntervalSince1970
            let episodes =
                (try? await store.episodes(
                    from: EpochMillis.from(seconds: time - 7 * 86400, .towardZero), to: Int64.max, limit: pageLimit + 1,
                    newest: true, everyTenant: view.tenants != nil)) ?? []
            return .html(
                SLAPage.render(
                    await view.sla(), episodes: Array(episodes.suffix(pageLimit)), now: time,
                    more: episodes.count > pageLimit))
        }
    }

    /// Episodes overlapping `from`..`to` (RFC 3339 or epoch seconds; default the last 7 days).
    private func history(_ parameters: [String: String]) async -> Response {
        do throws(SeriesQueryError) {
            let to =
                try parameters["to"].map { text throws(SeriesQueryError) in try SeriesQueryRequest.time(text, parameter: "to") }
                // Up to now, a breach begun within this second included.
                ?? Int64(now().timeIntervalSince1970.rounded(.up))
            let from =
                try parameters["from"].map { text throws(SeriesQueryError) in try SeriesQueryRequest.time(text, parameter: "from")
                }
                ?? to - 7 * 86400
            guard from < to else { throw SeriesQueryError(parameter: "from", message: "must be before to") }
            do {
                // With tenants, every tenant's, or the one `tenant` names.
                let tenant = parameters["tenant"]
                let episodes = try await (tenant.map(store.forTenant) ?? store).episodes(
                    from: EpochMillis.from(wholeSeconds: from), to: EpochMillis.from(wholeSeconds: to), limit: historyLimit + 1,
                    everyTenant: view.tenants != nil && tenant == nil)
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
