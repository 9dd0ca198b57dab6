import Dispatch
import Foundation
import Synchronization

/// Threads of our own for work that blocks: SQLite calls (disk I/O, busy waits), bcrypt, a
/// report's scan of a month of runs. Swift's cooperative pool has one thread per core; a few
/// blocked tasks on it would stall every other task of the process, scrapes included. This
/// is the one way the program leaves that pool: the SQLite actors' executors are one-thread
/// instances, the others are bounded pools, and nothing else starts a thread or uses
/// Dispatch's.
///
/// The threads live until `stop()`; queued work runs first, in order of submission.
public final class BlockingThreads: Sendable {
    /// Work to run in order; nil asks one thread to end.
    private let queue = Mutex<[(@Sendable () -> Void)?]>([])
    private let ready = DispatchSemaphore(value: 0)
    private let count: Int
    /// The ids of the threads running, for `isCurrent()`.
    private let threads = Mutex<[pthread_t]>([])

    public init(name: String, count: Int) {
        self.count = max(1, count)
        for index in 0..<self.count {
            let thread = Thread { [self] in run() }
            thread.name = self.count == 1 ? name : "\(name)-\(index + 1)"
            thread.start()
        }
    }

    /// Queues `work`; it runs on one of the threads.
    public func submit(_ work: @escaping @Sendable () -> Void) {
        queue.withLock { $0.append(work) }
        ready.signal()
    }

    /// Runs `body` on one of the threads and waits for its result without blocking the
    /// caller's thread.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Ends the threads once the work already queued has run.
    public func stop() {
        queue.withLock { queue in for _ in 0..<count { queue.append(nil) } }
        for _ in 0..<count { ready.signal() }
    }

    /// Whether the caller runs on one of these threads.
    public func isCurrent() -> Bool {
        let me = pthread_self()
        return threads.withLock { $0.contains { pthread_equal($0, me) != 0 } }
    }

    private func run() {
        threads.withLock { $0.append(pthread_self()) }
        while true {
            ready.wait()
            guard let work = queue.withLock({ $0.removeFirst() }) else { return }
            work()
        }
    }
}
