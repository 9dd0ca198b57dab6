import Foundation
import Testing

@testable import EtlworksAPI
@testable import ExporterBase
@testable import SLA
@testable import SlidingWindows
@testable import Store

/// What a replay reuses from one instant to the next (searches started where the last one
/// ended, a percentile window kept sorted) gives exactly what a fresh search gives.
@Suite struct SlidingWindowTests {
    @Test func aSearchFromAHintFindsWhatABinarySearchFinds() {
        // One expectation for all cases: thousands of them would hold the shared test threads.
        var random = SystemRandomNumberGenerator()
        var wrong: [String] = []
        for _ in 0..<300 {
            let values = (0..<Int.random(in: 0...40, using: &random)).map { _ in Int64.random(in: 0...30, using: &random) }
                .sorted()
            for _ in 0..<40 {
                let value = Int64.random(in: -2...33, using: &random)
                let hint = Int.random(in: -3...(values.count + 3), using: &random)
                if RunWindows.Flow.firstIndex(values, atOrAfter: value, near: hint)
                    != RunWindows.Flow.firstIndex(values, atOrAfter: value)
                {
                    wrong.append("\(values) \(value) from \(hint)")
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    @Test func sortedFloatsQuoteTheRankSelectionQuotes() {
        var random = SystemRandomNumberGenerator()
        var sorted = SortedFloats()
        var held: [Float] = []
        var wrong: [String] = []
        for step in 0..<2000 {
            if held.isEmpty || Bool.random(using: &random) || step < 50 {
                // Few distinct values, so that equal values come and go.
                let value = Float(Int.random(in: 0...25, using: &random)) / 2
                sorted.insert(value)
                held.append(value)
            } else {
                let value = held.remove(at: Int.random(in: 0..<held.count, using: &random))
                sorted.remove(value)
            }
            if sorted.values != held.sorted() { wrong.append("step \(step): \(sorted.values)") }
            for p in [0.01, 0.5, 0.95, 0.99, 1.0] where !held.isEmpty {
                var copy = held
                if sorted.nearestRank(p: p) != NearestRank.nearestRank(&copy, p: p) { wrong.append("step \(step), p \(p)") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        sorted.remove(1000) // absent: nothing happens
        #expect(sorted.values == held.sorted())
    }

    /// One evaluator measuring one flow at instant after instant, as a replay does, while runs
    /// arrive (one of them late, which moves positions), against a fresh evaluator each time.
    @Test func anEvaluatorThatFollowsAFlowMeasuresWhatAFreshOneMeasures() {
        var random = SystemRandomNumberGenerator()
        let conditions: [SLACondition] = [
            .durationPercentile(p: 0.5, max: 300, window: 6 * 3600),
            .durationPercentile(p: 0.95, max: 500, window: 3600),
            .errorRate(max: 0.2, window: 2 * 3600, minRuns: 1),
            .objective(target: 0.9, window: 12 * 3600)
        ]
        let start: Int64 = 1_790_000_000_000
        var ends: [Int64] = (0..<400).map { start + Int64($0) * 120_000 + Int64.random(in: 0..<60_000, using: &random) }
        // One run reported late: it arrives after runs that ended after it.
        ends.swapAt(200, 230)
        let record = FlowRecord(id: 7, name: "load")
        var wrong: [String] = []
        for condition in conditions {
            var following = SLAConditionEvaluator()
            following.describes = false
            var runs = RunWindows.Flow()
            for (index, end) in ends.enumerated() {
                runs.insert(
                    CompletedRun(
                        flowId: 7, endMs: end, startMs: end - 60_000,
                        durationMs: Int64.random(in: 1...600, using: &random) * 1000,
                        status: Int.random(in: 0..<5, using: &random) == 0 ? .error : .success))
                // A few instants between this run and the next.
                for offset: Int64 in [0, 17_000, 59_000] {
                    let now = Double(max(end, ends[min(index + 1, ends.count - 1)] - offset)) / 1000
                    let flow = SLAFlow(
                        record: record, lastDurationSeconds: nil, lastSuccessEnd: nil, oldestRunningStart: nil,
                        oldestQueuedCreated: nil, newestOpenStart: nil, runs: runs, recentLongest: nil)
                    let inputs = SLAInputs(now: now, flows: [], runs: RunWindows(horizon: 0, keepLatest: 0), evaluatingSince: 0)
                    var fresh = SLAConditionEvaluator()
                    let expected = fresh.measure(condition, flow: flow, inputs: inputs)
                    let measured = following.measure(condition, flow: flow, inputs: inputs)
                    if measured?.holds != expected?.holds || measured?.value != expected?.value {
                        wrong.append("\(condition) at \(now)")
                    }
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) instants differ: \(wrong.prefix(5))")
    }
}
