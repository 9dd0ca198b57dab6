/// Where the stored run history is complete: the executions collector reads whole days
/// of runs from the API (the backfill, then every day since the last one read, across any
/// outage), so every run that ended after the earliest day it read is stored. Reports tell
/// those runs, counted exactly, from the sampled series, which have holes where the exporter
/// did not poll.
public enum RunHistory {
    /// The `meta` key holding the start of the earliest day read whole, epoch seconds.
    public static let startKey = "executions.history_start"

    /// The value to store after reading the day starting at `day` (epoch seconds), given
    /// the stored one: the earlier of the two.
    public static func start(afterReading day: Double, stored: String?) -> String? {
        if let stored = stored.flatMap(Double.init), stored <= day { return nil }
        return String(day)
    }
}
