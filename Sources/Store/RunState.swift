/// Where a stored run stands, as `runs.state` holds it. SQL statements write the values as
/// literals (`WHERE state = 1`): SQLite uses a partial index (`runs_open`,
/// `runs_completed_by_end`) only for a query whose term is the index's own literal.
enum RunState: Int64 {
    /// Queued, running or stopping: looked at again at every poll.
    case open = 0
    /// Final: counted once, never changed again.
    case completed = 1
    /// Open, but no longer listed by the API and given up on (counted nowhere).
    case abandoned = 2
}
