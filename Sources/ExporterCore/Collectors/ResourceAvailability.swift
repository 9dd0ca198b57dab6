import Foundation

/// Whether an optional resource exists on this instance. Some answer 404 for good (the root
/// `/health` on cloud tenants, billing on on-premise installs): after `threshold` such
/// answers in a row the resource is not polled, only checked again every `recheck` seconds.
struct ResourceAvailability: Sendable {
    let threshold: Int
    var recheck: Double = 6 * 3600
    private(set) var missingSince: Date?
    private var misses = 0

    init(threshold: Int) { self.threshold = threshold }

    /// Whether to skip the poll at `now`: the resource is missing and not due for a check.
    func skips(at now: Date) -> Bool {
        guard let missingSince else { return false }
        return now.timeIntervalSince(missingSince) < recheck
    }

    /// Counts one "not here" answer; true when it makes the resource unavailable just now.
    mutating func missed(at now: Date) -> Bool {
        misses += 1
        guard misses >= threshold else { return false }
        let first = missingSince == nil
        missingSince = now
        return first
    }

    /// Records an answer; true when the resource was unavailable until now.
    mutating func answered() -> Bool {
        misses = 0
        defer { missingSince = nil }
        return missingSince != nil
    }
}
