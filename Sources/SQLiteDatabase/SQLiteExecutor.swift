import Dispatch
import Foundation
import Synchronization

/// The executor of an actor that owns an SQLite connection: a thread of its own, as GRDB's
/// serialized databases have. SQLite calls block (disk I/O, up to 5 s of busy waiting on
/// another writer); on Swift's cooperative pool, which has one thread per core, a few of them
/// would stall every other task of the process, scrapes included.
package final class SQLiteExecutor: SerialExecutor {
    /// Jobs to run in order; nil asks the thread to end.
    private let jobs = Mutex<[UnownedJob?]>([])
    private let ready = DispatchSemaphore(value: 0)

    /// The thread's id, once it runs.
    private let thread = Mutex<pthread_t?>(nil)

    package init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        ready.signal()
    }

    /// Ends the thread once the jobs already queued have run (the owning actor is gone).
    package func stop() {
        jobs.withLock { $0.append(nil) }
        ready.signal()
    }

    /// Whether the caller runs on this executor's thread.
    package func isCurrent() -> Bool {
        guard let own = thread.withLock({ $0 }) else { return false }
        return pthread_equal(own, pthread_self()) != 0
    }

    private func run() {
        thread.withLock { $0 = pthread_self() }
        while true {
            ready.wait()
            guard let job = jobs.withLock({ $0.removeFirst() }) else { return }
            job.runSynchronously(on: asUnownedSerialExecutor())
        }
    }
}
