import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import SQLiteDatabase
import ServiceLifecycle
import Store
import Vocabulary

/// Runs every collector on its own interval until graceful shutdown. A failed poll is
/// counted, reported in /health and logged once per kind of failure, never fatal.
public struct PollingService<C: Clock>: Service where C.Duration == Duration {
    let collectors: [any Collector]
    let state: ExporterState
    let intervals: ExporterConfig.Poll
    let logger: Logger
    let clock: C
    let redactor: Redactor
    let history: HistoryRecorder?
    /// Runs after every poll, successful or not (the SLA evaluation).
    let afterPoll: (@Sendable (Resource) async -> Void)?

    public init(
        collectors: [any Collector], state: ExporterState, intervals: ExporterConfig.Poll, logger: Logger,
        clock: C, redactor: Redactor, history: HistoryRecorder? = nil,
        afterPoll: (@Sendable (Resource) async -> Void)? = nil
    ) {
        self.history = history
        self.afterPoll = afterPoll
        self.collectors = collectors
        self.state = state
        self.intervals = intervals
        self.logger = logger
        self.clock = clock
        self.redactor = redactor
    }

    /// How long a shutdown waits for polls in flight to notice it before leaving them.
    static var shutdownGrace: Duration { .seconds(2) }

    /// Polls until graceful shutdown, then stops: polls in flight are cancelled and given
    /// `shutdownGrace` to end. A call that ignores cancellation (a request whose completion
    /// never comes) is left behind rather than waited for, so that SIGTERM stops the daemon.
    public func run() async throws {
        let loops = Task {
            await withTaskGroup(of: Void.self) { group in
                for collector in collectors {
                    group.addTask { await loop(collector) }
                }
            }
        }
        try? await gracefulShutdown()
        loops.cancel()
        let finished = await Self.firstOf({ await loops.value }, orAfter: Self.shutdownGrace)
        if !finished { logger.warning("A poll did not end when cancelled; shutting down without it") }
    }

    /// Runs `work` and waits for it at most `timeout`: true when it finished in time. The
    /// work is not waited for beyond that (a task group would wait for it).
    static func firstOf(_ work: @escaping @Sendable () async -> Void, orAfter timeout: Duration) async -> Bool {
        let first = AsyncStream<Bool>.makeStream()
        Task {
            await work()
            first.continuation.yield(true)
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            first.continuation.yield(false)
        }
        var iterator = first.stream.makeAsyncIterator()
        let outcome = await iterator.next() ?? false
        timer.cancel()
        first.continuation.finish()
        return outcome
    }

    private func loop(_ collector: any Collector) async {
        let resource = collector.resource
        let interval = intervals.interval(of: resource)
        var failures = 0
        var lastFailureKind: String?
        var logger = self.logger
        logger[metadataKey: "poll.resource"] = "\(resource.rawValue)"
        while !Task.isCancelled {
            let started = Date()
            let start = ContinuousClock.now
            var retryAfter: Double?
            var succeeded = false
            do {
                let skipped = try await collector.collect()
                let duration = (ContinuousClock.now - start).inSeconds
                await state.recordPoll(
                    resource, started: started, duration: duration, error: nil, skipped: skipped,
                    apiAnswered: true)
                if failures > 0 {
                    logger.info("Poll succeeded again", metadata: ["poll.failures": "\(failures)"])
                }
                if skipped > 0 {
                    logger.debug("Skipped undecodable records", metadata: ["poll.skipped": "\(skipped)"])
                }
                failures = 0
                lastFailureKind = nil
                succeeded = true
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                let duration = (ContinuousClock.now - start).inSeconds
                let (message, kind, answered) = Self.describe(error)
                let scrubbed = redactor.scrub(message)
                var refused = false
                if case APIError.forbidden = error { refused = true }
                await state.recordPoll(
                    resource, started: started, duration: duration, error: scrubbed, apiAnswered: answered,
                    refusedForRole: refused)
                if case APIError.rateLimited(_, _, let wait) = error { retryAfter = wait }
                failures += 1
                if kind != lastFailureKind {
                    logger.warning("Poll failed", metadata: ["error": "\(scrubbed)", "error.kind": "\(kind)"])
                    lastFailureKind = kind
                } else {
                    logger.debug("Poll failed again", metadata: ["error": "\(scrubbed)", "poll.failures": "\(failures)"])
                }
            }
            await history?.record(after: resource, succeeded: succeeded)
            await afterPoll?(resource)
            if resource == .executions || resource == .flows { MemoryTuning.trim() }
            let delay = PollSchedule.delay(
                interval: interval, consecutiveFailures: failures, retryAfter: retryAfter,
                unit: Double.random(in: 0..<1))
            do {
                try await clock.sleep(for: .seconds(delay))
            } catch {
                break
            }
        }
    }

    /// A message, a kind for log de-duplication, and whether the API gave a usable answer.
    static func describe(_ error: any Error) -> (message: String, kind: String, apiAnswered: Bool) {
        switch error {
        case let error as APIError:
            let answered: Bool
            switch error {
            case .transport, .rateLimited: answered = false
            case .http(_, let status, _): answered = status < 500
            default: answered = true
            }
            return (error.description, "\(error.kind):\(error.endpoint)", answered)
        case let error as StoreError:
            return (error.description, "storage:\(error.code.rawValue)", true)
        default:
            return (String(describing: error), "other", true)
        }
    }
}
