import Synchronization

/// Admission for costly requests: at most `running` at once, at most `queued` waiting
/// behind them, and the rest refused at once (the caller answers 429). A permit is held
/// until its answer has been written whole, so that slow readers cannot each keep an answer
/// in memory while the next one is built: the memory of concurrent answers is bounded by
/// `running` times the largest answer. A waiter whose task is cancelled (its client left)
/// leaves the queue.
public final class QueryAdmission: Sendable {
    /// Held while a request runs and its answer is written; released once, explicitly or
    /// when it is dropped (a response never written).
    public final class Permit: Sendable {
        private let admission: QueryAdmission
        private let released = Atomic(false)

        fileprivate init(_ admission: QueryAdmission) { self.admission = admission }

        public func release() {
            guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
            admission.handOn()
        }

        deinit { release() }
    }

    private struct State {
        var running = 0
        var nextWaiter: UInt64 = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    public let running: Int
    public let queued: Int
    private let state = Mutex(State())

    public init(running: Int, queued: Int) {
        self.running = running
        self.queued = queued
    }

    /// A permit, after waiting in the queue if need be; nil when the queue is full or the
    /// task was cancelled while it waited.
    public func admit() async -> Permit? {
        enum Decision { case admitted, refused, wait(UInt64) }
        let decision = state.withLock { state -> Decision in
            if state.running < running {
                state.running += 1
                return .admitted
            }
            guard state.waiters.count < queued else { return .refused }
            state.nextWaiter += 1
            return .wait(state.nextWaiter)
        }
        switch decision {
        case .admitted: return Permit(self)
        case .refused: return nil
        case .wait(let id):
            let admitted = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let cancelled = state.withLock { state -> Bool in
                        if Task.isCancelled { return true }
                        state.waiters.append((id, continuation))
                        return false
                    }
                    if cancelled { continuation.resume(returning: false) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
                }
                waiter?.resume(returning: false)
            }
            return admitted ? Permit(self) : nil
        }
    }

    /// A permit's slot passes to the first waiter, or is freed.
    fileprivate func handOn() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiters.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }

    /// Requests running and waiting (tests, health).
    public var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiters.count) } }
}
