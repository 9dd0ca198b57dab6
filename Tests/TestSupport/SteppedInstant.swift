import Synchronization

/// A continuous-clock reading that moves only when a test moves it, for code that takes its
/// `now` as a closure: time decides, the machine's speed does not.
public final class SteppedInstant: Sendable {
    private let instant: Mutex<ContinuousClock.Instant>

    public init() { instant = Mutex(ContinuousClock.now) }

    /// The reading, as the code under test takes it.
    public var now: @Sendable () -> ContinuousClock.Instant { { self.instant.withLock { $0 } } }

    public func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}
