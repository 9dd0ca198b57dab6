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

    /// Holds all requests back for `seconds` from now.
    public func pause(seconds: Double) {
        let until = clock.now.advanced(by: .seconds(seconds))
        if until > nextSlot { nextSlot = until }
    }
}
