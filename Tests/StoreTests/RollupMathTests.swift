import Testing

@testable import Simulator
@testable import Store

@Suite struct RollupMathTests {
    @Test func aCounterResetCountsTheNewValueAsItsIncrease() {
        var consolidator = BucketConsolidator(width: 300, kind: .counter, previous: 10)
        for (offset, value) in [15.0, 3, 8].enumerated() { consolidator.add(timestamp: Int64(offset * 10), value: value) }
        let bucket = consolidator.drain()[0].bucket
        // 10 → 15 (+5), reset to 3 (+3), 3 → 8 (+5)
        #expect(bucket.increase == 13)
        #expect(bucket.count == 3 && bucket.min == 3 && bucket.max == 15 && bucket.last == 8 && bucket.sum == 26)
    }

    @Test func theFirstSampleEverOnlySetsTheBaseline() {
        var consolidator = BucketConsolidator(width: 300, kind: .counter)
        consolidator.add(timestamp: 0, value: 500)
        consolidator.add(timestamp: 30, value: 502)
        #expect(consolidator.drain()[0].bucket.increase == 2)
    }

    @Test func gaugesHaveNoIncrease() {
        var consolidator = BucketConsolidator(width: 300, kind: .gauge, previous: 1)
        consolidator.add(timestamp: 0, value: 4)
        #expect(consolidator.drain()[0].bucket.increase == nil)
    }

    @Test func bucketsAlignToMultiplesOfTheirWidthEvenBefore1970() {
        #expect(BucketConsolidator.floor(599, 300) == 300)
        #expect(BucketConsolidator.floor(600, 300) == 600)
        #expect(BucketConsolidator.floor(-1, 300) == -300)
        #expect(RollupTier.resolving(step: 299) == .raw)
        #expect(RollupTier.resolving(step: 300) == .fiveMinutes)
        #expect(RollupTier.resolving(step: 7200) == .hour)
        #expect(RollupTier.resolving(step: 86400 * 7) == .day)
    }

    /// Rolling up in stages (raw → 5m → 1h → 1d) must give what consolidating the raw
    /// samples at once gives, for random counters with resets and gaps.
    @Test func stagedRollupsEqualDirectConsolidation() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let kind: SeriesKind = random.next() % 2 == 0 ? .counter : .gauge
            var samples: [(Int64, Double)] = []
            var time = Int64(random.next() % 86400)
            var value = Double(random.next() % 1000)
            for _ in 0..<(Int(random.next() % 400) + 1) {
                time += Int64(random.next() % 900) + 1
                if random.next() % 20 == 0 { value = Double(random.next() % 10) } else { value += Double(random.next() % 50) }
                samples.append((time, kind == .gauge ? Double(random.next() % 100) - 50 : value))
            }
            var direct = BucketConsolidator(width: 86400, kind: kind)
            var fine = BucketConsolidator(width: 300, kind: kind)
            for (time, value) in samples {
                direct.add(timestamp: time, value: value)
                fine.add(timestamp: time, value: value)
            }
            var hours = BucketConsolidator(width: 3600, kind: kind)
            for (start, bucket) in fine.drain() { hours.add(start: start, bucket: bucket) }
            var days = BucketConsolidator(width: 86400, kind: kind)
            for (start, bucket) in hours.drain() { days.add(start: start, bucket: bucket) }
            let expected = direct.drain()
            let staged = days.drain()
            #expect(expected.map(\.start) == staged.map(\.start))
            for (lhs, rhs) in zip(expected, staged) {
                #expect(lhs.bucket.count == rhs.bucket.count)
                #expect(
                    lhs.bucket.min == rhs.bucket.min && lhs.bucket.max == rhs.bucket.max && lhs.bucket.last == rhs.bucket.last)
                #expect(abs(lhs.bucket.sum - rhs.bucket.sum) < 1e-6)
                #expect(abs((lhs.bucket.increase ?? -1) - (rhs.bucket.increase ?? -1)) < 1e-6)
            }
        }
    }
}
