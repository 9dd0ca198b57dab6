import EtlworksAPI

/// When a run's status is final. A stopped run shows `canceled` at once and turns into
/// `error` (or `success`, for a streaming flow) minutes later, so `canceled` is final only
/// once the run has ended and its status has stayed unchanged for the stop grace.
enum StopRule {
    /// Whether `run`, whose status is unchanged since `statusSince` (epoch ms), is final at
    /// `observedAt`. Without a grace (nil), `canceled` is final at once.
    static func isFinal(_ run: FlowRun, statusSince: Int64, observedAt: Int64, stopGrace: Int64?) -> Bool {
        guard run.isCompleted else { return false }
        guard run.status == .canceled, let stopGrace else { return true }
        return run.ended != nil && observedAt - statusSince >= stopGrace
    }

    /// Since when the status of a run seen for the first time is taken as unchanged: its end
    /// when it has one (its status cannot have changed since, unless it is stopping, which
    /// a later poll shows), else now.
    static func statusSince(firstSeen run: FlowRun, observedAt: Int64) -> Int64 {
        guard run.isCompleted, let ended = run.ended else { return observedAt }
        return min(ended, observedAt)
    }
}
