import SLAStore
import Store

/// The life of one (rule, target): ok → pending (the condition holds, `for` not yet over) →
/// breaching → ok. Pure; the engine persists what it returns, so `for` timers and open
/// episodes survive a restart.
public struct SLATargetState: Sendable, Equatable {
    public typealias Phase = SLAPhase

    public var phase: Phase
    /// When the condition started holding, epoch seconds.
    public var since: Double
    /// When it started breaching.
    public var breachStart: Double?
    /// The stored episode of the current breach.
    public var episodeId: Int64?
    /// The worst value seen while breaching.
    public var peak: Double?

    public init(phase: Phase, since: Double, breachStart: Double? = nil, episodeId: Int64? = nil, peak: Double? = nil) {
        self.phase = phase
        self.since = since
        self.breachStart = breachStart
        self.episodeId = episodeId
        self.peak = peak
    }
}

public enum SLATransition: Sendable, Equatable {
    /// A breach began at this time.
    case breached(at: Double)
    /// The breach that began at `since` ended.
    case resolved(at: Double)
}

public enum SLAStateMachine {
    /// The next state (nil: ok) and the transition this step makes, if any. `heldSince`: since
    /// when the evidence says the condition has held (never later than `now`), when known.
    public static func step(
        _ state: SLATargetState?, holds: Bool, value: Double?, now: Double, holdFor: Double,
        lowerIsWorse: Bool, heldSince: Double? = nil
    ) -> (state: SLATargetState?, transition: SLATransition?) {
        guard holds else {
            if let state, state.phase == .breaching { return (nil, .resolved(at: now)) }
            return (nil, nil)
        }
        let evidence = min(heldSince ?? now, now)
        var next = state ?? SLATargetState(phase: .pending, since: evidence)
        if next.phase == .pending, evidence < next.since { next.since = evidence }
        if next.phase == .pending, now - next.since >= holdFor {
            next.phase = .breaching
            next.breachStart = now
            next.peak = value
            return (next, .breached(at: now))
        }
        if next.phase == .breaching, let value {
            next.peak = next.peak.map { lowerIsWorse ? min($0, value) : max($0, value) } ?? value
        }
        return (next, nil)
    }
}
