import Foundation
import SQLiteDatabase
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Store

/// Stores run their blocking SQLite calls on threads of their own, never on Swift's
/// cooperative pool (one thread per core): stores stuck waiting for a lock must not stall
/// the rest of the process (scrapes render on that pool).
@Suite struct ExecutorTests {
    @Test func storesWaitingOnALockDoNotStallOtherTasks() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("locked.db").path
        let stores = try (0..<12).map { _ in try SQLiteRunStore(path: path, verify: false) }
        // Another connection holds the write lock: every ingest waits its 5 s busy timeout.
        let holder = try SQLiteConnection(path: path, create: false)
        try holder.execute("BEGIN IMMEDIATE")
        let run = FlowRun(auditId: 1, flowId: 1, flowName: "f", status: .success, started: 1, ended: 2)
        // Timed from here: a test task stalled behind blocked stores resumes only when they give up.
        let started = ContinuousClock.now
        let blocked = stores.map { store in Task { try? await store.ingest([run], observedAt: 3) } }
        try await Task.sleep(for: .milliseconds(300))
        // More stores than cores are blocked now; unrelated work must still run at once: a
        // store on another file, and a task that only sleeps.
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
        let elapsed = ContinuousClock.now - started
        try holder.execute("ROLLBACK")
        holder.close()
        for task in blocked { _ = await task.value }
        #expect(ticks == 10)
        // Without threads of their own: about 25 s (twelve 5 s waits, two at a time, ten of them
        // ahead of the work). The margin is for the rest of the suite, which shares the two pool
        // threads when it starts (13 s was seen with six stores and a 12 s limit).
        #expect(elapsed < .seconds(20), "unrelated work waited \(elapsed) behind stores blocked on SQLite (busy timeout 5 s)")
        #expect(await other.isOnItsOwnThread())
    }
}
