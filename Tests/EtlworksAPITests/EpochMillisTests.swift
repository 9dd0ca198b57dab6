import EtlworksAPI
import Foundation
import Testing

/// Every conversion between seconds and milliseconds is one of these; the rounding is the
/// caller's choice, made visible.
@Suite struct EpochMillisTests {
    @Test func secondsBecomeMillisecondsRoundedAsAsked() {
        #expect(EpochMillis.from(seconds: 1.0006) == 1001)
        #expect(EpochMillis.from(seconds: 1.0006, .towardZero) == 1000)
        #expect(EpochMillis.from(seconds: 1.0001, .up) == 1001)
        #expect(EpochMillis.from(Date(timeIntervalSince1970: 1_700_000_000.25)) == 1_700_000_000_250)
    }

    @Test func millisecondsBecomeSecondsAndWholeSeconds() {
        #expect(EpochMillis.seconds(1500) == 1.5)
        #expect(EpochMillis.date(2500) == Date(timeIntervalSince1970: 2.5))
        #expect(EpochMillis.wholeSeconds(1999) == 1 && EpochMillis.wholeSeconds(1001, up: true) == 2)
        #expect(EpochMillis.wholeSeconds(2000, up: true) == 2 && EpochMillis.from(wholeSeconds: 3) == 3000)
    }
}
