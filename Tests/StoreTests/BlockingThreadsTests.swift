import BlockingThreads
import Dispatch
import Synchronization
import Testing

/// The one way off the cooperative pool: results and errors come back, work runs in order
/// on a one-thread instance, and a pool of two runs two blocked jobs at once.
@Suite struct BlockingThreadsTests {
    struct Refused: Error {}

    @Test func resultsAndErrorsComeBackFromTheThreads() async throws {
        let threads = BlockingThreads(name: "test", count: 1)
        defer { threads.stop() }
        #expect(try await threads.run { threads.isCurrent() })
        #expect(!threads.isCurrent())
        await #expect(throws: Refused.self) { try await threads.run { throw Refused() } }
    }

    @Test func oneThreadRunsItsWorkInOrder() async throws {
        let threads = BlockingThreads(name: "test", count: 1)
        defer { threads.stop() }
        let order = Mutex<[Int]>([])
        for index in 0..<100 { threads.submit { order.withLock { $0.append(index) } } }
        _ = try await threads.run { 0 }
        #expect(order.withLock { $0 } == Array(0..<100))
    }

    @Test func twoThreadsRunTwoBlockedJobsAtOnce() async throws {
        let threads = BlockingThreads(name: "test", count: 2)
        defer { threads.stop() }
        let first = DispatchSemaphore(value: 0), second = DispatchSemaphore(value: 0)
        // Each waits for the other: on one thread, both would time out.
        async let a = threads.run {
            first.signal(); return second.wait(timeout: .now() + 20) == .success
        }
        async let b = threads.run {
            second.signal(); return first.wait(timeout: .now() + 20) == .success
        }
        let (passedA, passedB) = try await (a, b)
        #expect(passedA && passedB)
    }
}
