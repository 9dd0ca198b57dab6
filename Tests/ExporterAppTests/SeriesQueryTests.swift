import ExporterBase
import ExporterConfiguration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import NIOFoundationEssentialsCompat
import SeriesQuery
import TestSupport
import Testing
import Vocabulary

@testable import ExporterApp
@testable import ExporterCore
@testable import Store

@Suite struct SeriesQueryTests {
    let now: Int64 = 1_795_000_000
    let limits = SeriesQueryLimits()

    func parse(_ parameters: [String: String]) throws(SeriesQueryError) -> SeriesQueryRequest {
        try SeriesQueryRequest.parse(parameters, now: now, limits: limits)
    }

    func rejection(_ parameters: [String: String]) -> SeriesQueryError? {
        do {
            _ = try parse(parameters)
            return nil
        } catch {
            return error
        }
    }

    @Test func timesAreRFC3339OrEpochSecondsAndTheTierFollowsTheStep() throws {
        let request = try parse(["match": "up", "from": "2026-11-01T00:00:00Z", "to": "1795000000.5", "step": "1h"])
        #expect(request.from == 1_793_491_200 && request.to == 1_795_000_000 && request.step == 3600 && request.tier == .hour)
        #expect(
            try parse(["match": "up", "from": "2026-11-01T01:00:00.250+01:00", "to": "2026-11-02T00:00:00Z"]).from
                == 1_793_491_200)
        let defaults = try parse(["match": "up"])
        #expect(defaults.to == now && defaults.from == now - 3600 && defaults.tier == .raw)
        #expect(try parse(["match": "up", "step": "300", "tier": "1d"]).tier == .day)
    }

    @Test func badParametersAreNamed() {
        #expect(rejection([:])?.parameter == "match")
        #expect(rejection(["match": "up{status="])?.parameter == "match")
        #expect(rejection(["match": "up", "from": "yesterday"])?.parameter == "from")
        #expect(rejection(["match": "up", "to": "2026-13-01T00:00:00Z"])?.parameter == "to")
        #expect(rejection(["match": "up", "from": "200", "to": "100"])?.parameter == "from")
        #expect(rejection(["match": "up", "from": "100", "to": "100"])?.parameter == "from")
        #expect(rejection(["match": "up", "step": "0"])?.parameter == "step")
        #expect(rejection(["match": "up", "step": "-5"])?.parameter == "step")
        #expect(rejection(["match": "up", "step": "soon"])?.parameter == "step")
        #expect(rejection(["match": "up", "tier": "2h"])?.parameter == "tier")
        // Before 1970 nothing is stored: the review's crash URL and its variants are named.
        #expect(rejection(["match": "up", "from": "-9999999999999", "tier": "5m", "step": "2000000000"])?.parameter == "from")
        #expect(rejection(["match": "up", "from": "0001-01-01T00:00:00Z"])?.parameter == "from")
        #expect(rejection(["match": "up", "from": "-1", "to": "100"])?.parameter == "from")
        let tooMany = rejection(["match": "up", "from": "0", "to": "\(now)", "step": "60"])
        #expect(tooMany?.parameter == "step" && tooMany?.message.contains("11000") == true)
    }

    @Test func theEndpointAnswersJSONAndRefusesBadQueriesWith400() async throws {
        let directory = try Tools.temporaryDirectory()
        let path = directory.appendingPathComponent("q.db").path
        let store = try SeriesStore(path: path)
        let key = SeriesKey("etlworks_flow_runs_total", [SeriesLabel("flow_id", "1"), SeriesLabel("status", "error")])
        let base = now - now % 3600 - 7200
        for minute in 0..<120 where minute < 30 || minute >= 60 {
            try await store.append([Sample(key, .counter, Double(minute))], group: "executions", at: base + Int64(minute) * 60)
        }
        let router = ExporterRoutes.router([
            SeriesController(
                reader: try SeriesReader(path: path), limits: limits, now: { Date(timeIntervalSince1970: Double(self.now)) })
        ])
        let app = Application(router: router)
        try await app.test(.router) { client in
            let match = "etlworks_flow_runs_total%7Bstatus%3D%22error%22%7D"
            try await client.execute(uri: "/api/v1/series?match=\(match)&from=\(base)&to=\(base + 7200)&step=600", method: .get) {
                response in
                #expect(response.status == .ok)
                let document = try JSONDecoder().decode(SeriesDocument.self, from: Data(buffer: response.body))
                #expect(document.data.tier == "5m")
                let series = try #require(document.data.series.first)
                #expect(series.labels == ["flow_id": "1", "status": "error"])
                let points = series.points
                // 12 ten-minute windows, three of them in the 30-minute gap: left out, not zero.
                #expect(points.count == 9)
                #expect(points.map(\.t) == [0, 1, 2, 6, 7, 8, 9, 10, 11].map { base + Int64($0) * 600 })
                #expect(points[3].increase == Double((60 - 29) + 9))
            }
            for (query, parameter) in [
                ("match=up%7B", "match"), ("match=up&step=0", "step"), ("match=up&from=5&to=1", "from"),
                ("match=up&from=0&step=1", "step")
            ] {
                try await client.execute(uri: "/api/v1/series?\(query)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(query)")
                    let body = try JSONDecoder().decode(ErrorDocument.self, from: Data(buffer: response.body))
                    #expect(body.status == "error" && body.parameter == parameter, "\(query)")
                    #expect(!body.error.isEmpty)
                }
            }
        }
    }

    /// The answer is written in pieces; joined, they are the same document whatever their size.
    @Test func theAnswerIsTheSameWrittenInPiecesOfAnySize() throws {
        let request = try parse(["match": "up", "from": "0", "to": "3600", "step": "60"])
        func point(_ minute: Int) -> SeriesPoint {
            let previous: Double? = minute == 0 ? nil : Double(minute - 1) / 3
            return SeriesPoint(
                timestamp: Int64(minute * 60), values: RollupBucket(value: Double(minute) / 3, previous: previous, kind: .counter)
            )
        }
        var results: [SeriesResult] = []
        for index in 0..<5 {
            let labels = [SeriesLabel("flow_id", String(index)), SeriesLabel("n", "\"q\"\\")]
            let series = StoredSeries(
                id: Int64(index), name: "etlworks_flow_runs_total", labels: labels, kind: .counter, group: "g")
            results.append(SeriesResult(series: series, points: (0..<40).map(point)))
        }
        let whole = SeriesQueryResponse(request, results: results, chunkBytes: 1 << 30)
        let small = SeriesQueryResponse(request, results: results, chunkBytes: 100)
        #expect(Array(whole).count == 1)
        #expect(Array(small).count > 50, "many pieces")
        #expect(small.data == whole.data)
        let document = try JSONDecoder().decode(SeriesDocument.self, from: small.data)
        #expect(document.data.series.count == 5 && document.data.series.allSatisfy { $0.points.count == 40 })
        #expect(
            try JSONDecoder().decode(SeriesDocument.self, from: SeriesQueryResponse(request, results: []).data).data.series
                .isEmpty)
    }

    /// 200 series × 11,000 windows passed both old limits (series, windows) and needed
    /// gigabytes; one budget on their product refuses it before a point is read. And a
    /// catastrophic regex over long names answers at once (a backtracking matcher never did).
    @Test func theSampleBudgetAndCatastrophicRegexesAreRefusedOrCheap() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("budget.db").path
        let store = try SeriesStore(path: path)
        let name = String(repeating: "a", count: 300)
        try await store.append(
            (0..<200).map {
                Sample(
                    SeriesKey("etlworks_flow_queued_runs", [SeriesLabel("flow_id", "\($0)"), SeriesLabel("x", name)]), .gauge, 1)
            },
            group: "executions", at: now - 60)
        let router = ExporterRoutes.router([
            SeriesController(
                reader: try SeriesReader(path: path), limits: limits, now: { Date(timeIntervalSince1970: Double(self.now)) })
        ])
        try await Application(router: router).test(.router) { client in
            // 11,000 windows of one minute: within max_points, and 200 × 11,000 > 1,000,000.
            let wide = "/api/v1/series?match=etlworks_flow_queued_runs&from=\(now - 659_940)&to=\(now)&step=60"
            try await client.execute(uri: wide, method: .get) { response in
                #expect(response.status == .badRequest)
                let error = try JSONDecoder().decode(ErrorDocument.self, from: Data(buffer: response.body))
                #expect(error.parameter == "match" && error.error.contains("query.max_samples"), "\(error)")
            }
            let evil = "etlworks_flow_queued_runs%7Bx%3D~%22(.%2B.%2B)%2B%23%22%7D" // {x=~"(.+.+)+#"}
            try await client.execute(uri: "/api/v1/series?match=\(evil)", method: .get) { response in
                #expect(response.status == .ok)
                let document = try JSONDecoder().decode(SeriesDocument.self, from: Data(buffer: response.body))
                #expect(document.data.series.isEmpty)
            }
        }
        let selector = try SeriesSelector.parse(#"etlworks_flow_queued_runs{x=~"(.+.+)+#"}"#)
        #expect(selector.compiled(steps: 1_000)([SeriesLabel("x", name)]) == nil, "an exhausted budget says so")
    }

    /// Slow readers each kept a whole answer alive while the next was built, and queries
    /// queued without bound: two run at once (each until its answer is written), a few
    /// wait, the rest are refused; a waiter whose client left leaves the queue.
    @Test func seriesQueriesAreAdmittedAFewAtATime() async throws {
        let admission = QueryAdmission(running: 2, queued: 1)
        let first = try #require(await admission.admit())
        let second = try #require(await admission.admit())
        let waiting = Task { await admission.admit() }
        while admission.load.waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await admission.admit() == nil, "a full queue refuses at once")
        first.release()
        let third = try #require(await waiting.value, "the waiter takes the freed slot")
        #expect(admission.load == (2, 0))
        let leaving = Task { await admission.admit() }
        while admission.load.waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }
        leaving.cancel()
        #expect(await leaving.value == nil)
        #expect(admission.load == (2, 0), "the cancelled waiter left the queue")
        second.release()
        second.release()
        #expect(admission.load == (1, 0), "a permit is released once")
        _ = third
    }

    /// A query runs for nobody once its client has gone: the connection's close cancels it.
    @Test func aQueryStopsWhenItsConnectionCloses() async throws {
        let loop = EmbeddedEventLoop()
        let closed = loop.makePromise(of: Void.self)
        let work = Task {
            try await SeriesController.whileConnected(closed.futureResult) {
                while true { try await Task.sleep(for: .milliseconds(10)) }
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        closed.succeed(())
        // Uncancelled, the work never ends and this waits for ever.
        await #expect(throws: CancellationError.self) { try await work.value }
    }

    /// A history write that fails (here: the file may not grow, as on a full disk) marks the
    /// storage failing in /health, and the next write that succeeds clears it.
    @Test func aFailedHistoryWriteShowsInHealth() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("full.db").path
        let store = try SeriesStore(path: path)
        let state = ExporterState(storagePath: path, intervals: [:], requests: RequestCounter())
        await state.setFlows((0..<5000).map { FlowMetrics(flow: FlowRecord(id: Int64($0), name: "flow \($0)")) })
        await state.recordPoll(.executions, started: Date(), duration: 1, error: nil, apiAnswered: true)
        let recorder = HistoryRecorder(sink: store, state: state, logger: .init(label: "test"))
        try await store.limitPages(8)
        await recorder.record(after: .executions, succeeded: true)
        var snapshot = await state.snapshot()
        guard case .failing(let message) = snapshot.storage else { Issue.record("storage not failing"); return }
        #expect(message.contains(path))
        #expect(HealthReport(snapshot: snapshot, apiURL: "http://x").httpStatus == 503)
        try await store.limitPages(1_000_000)
        await recorder.record(after: .executions, succeeded: true)
        snapshot = await state.snapshot()
        #expect(snapshot.storage == .ok)
    }
}
