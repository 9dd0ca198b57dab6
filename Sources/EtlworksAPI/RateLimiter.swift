import Foundation

/// Spaces requests to at most `requestsPerSecond`, and holds every request back while the
/// API has asked the client to wait (Retry-After). One limiter is shared by all collectors,
/// so a 429 on one endpoint quiets them all.
public actor RateLimiter {
    private let interval: Double
    private var nextSlot: ContinuousClock.Instant
    private let clock = ContinuousClock()

    /// `requestsPerSecond` of 0 or less disables spacing (waits asked by the API still apply).
    public init(requestsPerSecond: Double) {
        interval = requestsPerSecond > 0 ? 1 / requestsPerSecond : 0
        nextSlot = clock.now
    }

    /// Waits for the next free slot. Throws `CancellationError` when the task is cancelled.
    public func acquire() async throws {
        let now = clock.now
        let slot = max(now, nextSlot)
        nextSlot = slot.advanced(by: .seconds(interval))
        if slot > now { try await clock.sleep(until: slot) }
    }

    /// The longest pause taken, whatever is asked: a day.
    static let maxPause: Double = 86400

    /// Holds all requests back for `seconds` from now (at most a day; callers cut Retry-After
    /// to their own limit first, this only keeps the clock arithmetic from trapping).
    public func pause(seconds: Double) {
        guard seconds > 0 else { return }
        let until = clock.now.advanced(by: .seconds(min(seconds, Self.maxPause)))
        if until > nextSlot { nextSlot = until }
    }
}
