import Foundation
import SQLiteDatabase
import Synchronization
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Store

/// Stores run their blocking SQLite calls on threads of their own, never on Swift's
/// cooperative pool (one thread per core): stores stuck waiting for a lock must not stall
/// the rest of the process (scrapes render on that pool).
@Suite struct ExecutorTests {
    /// Twelve stores wait on a lock for as long as the test holds it (their busy timeout is
    /// two minutes): unrelated work (a store on another file, a task that only sleeps) must
    /// finish while every one of them still waits. On the cooperative pool it could run only
    /// once they gave up. Judged by order, not by the clock: a loaded machine may take its
    /// time, but never the stores' two minutes.
    @Test func storesWaitingOnALockDoNotStallOtherTasks() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("locked.db").path
        let stores = try (0..<12).map { _ in try SQLiteRunStore(path: path, verify: false) }
        for store in stores { await store.setBusyTimeout(milliseconds: 120_000) }
        let holder = try SQLiteConnection(path: path, create: false)
        try holder.execute("BEGIN IMMEDIATE")
        let run = FlowRun(auditId: 1, flowId: 1, flowName: "f", status: .success, started: 1, ended: 2)
        let finished = Count()
        let blocked = stores.map { store in
            Task {
                _ = try? await store.ingest([run], observedAt: 3)
                finished.value.withLock { $0 += 1 }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let other = try SQLiteRunStore(path: path + "-other.db", verify: false)
        _ = try await other.ingest([run], observedAt: 3)
        let ticks = await Task.detached { () -> Int in
            var count = 0
            for _ in 0..<10 {
                try? await Task.sleep(for: .milliseconds(10))
                count += 1
            }
            return count
        }.value
        let finishedWhileHeld = finished.value.withLock { $0 }
        try holder.execute("ROLLBACK")
        holder.close()
        for task in blocked { _ = await task.value }
        #expect(ticks == 10)
        #expect(finishedWhileHeld == 0, "\(finishedWhileHeld) stores gave up before the unrelated work could run")
        #expect(finished.value.withLock { $0 } == 12, "every store wrote once the lock was released")
        #expect(await other.isOnItsOwnThread())
    }
}

/// A count several tasks add to.
private final class Count: Sendable {
    let value = Mutex(0)
}
