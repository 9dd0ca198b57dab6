import BlockingThreads

/// The executor of an actor that owns an SQLite connection: a thread of its own, as GRDB's
/// serialized databases have (`BlockingThreads` says why SQLite calls stay off the
/// cooperative pool).
package final class SQLiteExecutor: SerialExecutor {
    private let thread: BlockingThreads

    package init(name: String) { thread = BlockingThreads(name: name, count: 1) }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        thread.submit { job.runSynchronously(on: executor) }
    }

    /// Ends the thread once the jobs already queued have run (the owning actor is gone).
    package func stop() { thread.stop() }

    /// Whether the caller runs on this executor's thread.
    package func isCurrent() -> Bool { thread.isCurrent() }
}
