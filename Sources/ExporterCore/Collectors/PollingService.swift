import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import SQLiteDatabase
import ServiceLifecycle
import Store

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

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for collector in collectors {
                    group.addTask { await loop(collector) }
                }
            }
        }
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
                let duration = Self.seconds(ContinuousClock.now - start)
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
                let duration = Self.seconds(ContinuousClock.now - start)
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
                try await clock.sleep(for: .milliseconds(Int64(delay * 1000)))
            } catch {
                break
            }
        }
    }

    /// A message, a kind for log de-duplication, and whether the API gave a usable answer.
    static func describe(_ error: Error) -> (message: String, kind: String, apiAnswered: Bool) {
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

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
