import Foundation
import Logging
import Testing
import Vocabulary

@testable import ExporterBase
@testable import ExporterCore
@testable import SLA
@testable import Store

/// Issue #26, item 5: streams are judged by their stream (`stream_latency`, `stream_stalled`),
/// from the evidence, and only streams are.
extension SLAEngineTests {
    /// A stream of `flow` read at `at` (epoch s): its run started `runStarted`; `counter` nil
    /// means no stream task answered.
    static func stream(
        runStarted: Double, reads: [(at: Double, counter: Int64?, latency: Double?)]
    ) -> StreamStatus {
        var stream = StreamStatus()
        for read in reads {
            stream.observe(
                auditId: 1, runStarted: Int64(runStarted * 1000), counter: read.counter, latencySeconds: read.latency,
                taskStarted: read.counter == nil ? nil : Int64(runStarted * 1000), at: Int64(read.at * 1000))
        }
        return stream
    }

    @Test func aStreamDownForADayBreachesAtTheFirstEvaluationAndALaggingOneBreachesOnLatency() async throws {
        let stalled = SLARule(
            name: "stalled", target: .flows(FlowSelector()), condition: .streamStalled(for: 1800), severity: .critical)
        let lagging = SLARule(name: "lagging", target: .flows(FlowSelector()), condition: .streamLatency(max: 600))
        let (_, engine, state) = try await open(rules: [stalled, lagging], now: t0)
        // Flow 7's run started a day ago and no stream task has answered since (never seen up);
        // flow 8's stream moves, 45 minutes behind.
        await state.setStreams([
            7: Self.stream(runStarted: t0 - 86400, reads: [(t0 - 30, nil, nil)]),
            8: Self.stream(
                runStarted: t0 - 7200, reads: [(t0 - 60, 100, 2700), (t0 - 30, 150, 2700)])
        ])
        let first = await engine.evaluate(now: t0)
        func result(_ rule: String, _ flow: Int64) -> SLAResult? {
            first.results.first { $0.rule == rule && $0.target.id == flow }
        }
        let down = try #require(result("stalled", 7))
        #expect(down.phase == .breaching, "a stream never up since its run started a day ago breaches at once")
        #expect(down.since == t0 - 86400 + 1800, "held since the run's start plus `for`")
        #expect(down.measurement.value == 86400)
        #expect(down.measurement.detail?.contains("no stream task") == true)
        #expect(result("stalled", 8)?.phase == .ok)
        #expect(result("lagging", 8)?.phase == .breaching)
        #expect(result("lagging", 8)?.measurement.value == 2700)
        #expect(result("lagging", 7) == nil || result("lagging", 7)?.phase == .ok, "no latency while down")

        // Flow 8 stops moving: up, same counter, for over 30 minutes from its last progress.
        await state.setStreams([
            7: Self.stream(runStarted: t0 - 86400, reads: [(t0 - 30, nil, nil)]),
            8: Self.stream(
                runStarted: t0 - 7200, reads: [(t0 - 60, 100, 5), (t0 - 30, 150, 5), (t0 + 1900, 150, 5)])
        ])
        let later = await engine.evaluate(now: t0 + 1900)
        let quiet = try #require(later.results.first { $0.rule == "stalled" && $0.target.id == 8 })
        #expect(quiet.phase == .breaching && quiet.measurement.value == 1930)
        #expect(quiet.measurement.detail?.contains("processed no records") == true)
        #expect(later.results.first { $0.rule == "lagging" && $0.target.id == 8 }?.phase == .ok)
    }

    /// Flows that are not streams are not judged by stream conditions, nor streams by
    /// freshness (unless a rule names the kind).
    @Test func streamConditionsJudgeOnlyStreams() async throws {
        let stalled = SLARule(name: "stalled", target: .flows(FlowSelector()), condition: .streamStalled(for: 60))
        let fresh = SLARule(name: "fresh", target: .flows(FlowSelector()), condition: .maxSinceSuccess(seconds: 60))
        let (_, engine, state) = try await open(rules: [stalled, fresh], now: t0)
        await state.setStreams([7: Self.stream(runStarted: t0 - 86400, reads: [(t0 - 30, nil, nil)])])
        let snapshot = await engine.evaluate(now: t0)
        #expect(Set(snapshot.results.filter { $0.rule == "stalled" }.map(\.target.id)) == [7])
        #expect(Set(snapshot.results.filter { $0.rule == "fresh" }.map(\.target.id)) == [8])
    }
}
