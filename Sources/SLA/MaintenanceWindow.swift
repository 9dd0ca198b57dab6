import ExporterBase
import Foundation
import Store

/// A time when flows are expected to misbehave (`maintenance:`): no breach starts for the
/// flows it covers, and its time counts as unobserved for their compliance.
public struct MaintenanceWindow: Sendable, Equatable {
    public enum Timing: Sendable, Equatable {
        /// Once, [start, end), epoch seconds.
        case once(start: Double, end: Double)
        /// From each firing of a cron expression, for `duration` seconds, in `timeZone` (nil:
        /// `etlworks.timezone`).
        case recurring(cron: FlowCadence, duration: Double, timeZone: TimeZone?)
    }

    public var name: String
    /// The flows it covers; nil: every flow.
    public var flows: FlowSelector?
    public var timing: Timing

    public init(name: String, flows: FlowSelector? = nil, timing: Timing) {
        self.name = name
        self.flows = flows
        self.timing = timing
    }

    /// Whether `flow` (of `kind`) is covered.
    public func covers(_ flow: FlowRecord, kind: FlowKind?) -> Bool { flows?.matches(flow, kind: kind) ?? true }

    /// The window's stretch that holds `now`, if it is active then.
    public func active(at now: Double, in zone: TimeZone) -> (start: Double, end: Double)? {
        switch timing {
        case .once(let start, let end):
            return now >= start && now < end ? (start, end) : nil
        case .recurring(let cron, let duration, let timeZone):
            // The first firing after now − duration is the only one whose stretch can hold now.
            guard let firing = cron.next(after: now - duration, in: timeZone ?? zone), firing <= now else { return nil }
            return (firing, firing + duration)
        }
    }

    /// Its stretches overlapping [from, to], clipped to it, ascending (at most `limit`).
    public func stretches(from: Double, to: Double, in zone: TimeZone, limit: Int = 10_000) -> [(start: Double, end: Double)] {
        switch timing {
        case .once(let start, let end):
            let clipped = (max(start, from), min(end, to))
            return clipped.1 > clipped.0 ? [clipped] : []
        case .recurring(let cron, let duration, let timeZone):
            var found: [(start: Double, end: Double)] = []
            var after = from - duration
            while found.count < limit, let firing = cron.next(after: after, in: timeZone ?? zone), firing < to {
                let clipped = (max(firing, from), min(firing + duration, to))
                if clipped.1 > clipped.0 { found.append(clipped) }
                after = firing
            }
            return found
        }
    }
}
