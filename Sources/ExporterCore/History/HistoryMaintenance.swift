import EtlworksAPI
import Foundation
import Logging
import SLAStore
import ServiceLifecycle
import Store

/// Rolls raw samples up into the 5m/1h/1d tiers every minute and deletes expired rows every
/// ten minutes: history past each tier's retention, completed runs and ended SLA episodes
/// past theirs. All work in short transactions and yield between them, so polls keep
/// writing; scrapes never touch the database at all.
public struct HistoryMaintenance: Service {
    let store: SeriesStore
    /// Where runs and SLA episodes are deleted; nil leaves them (tests of history alone).
    public var runs: SQLiteRunStore?
    public var episodes: SLAStateStore?
    let recorder: HistoryRecorder
    let retention: RetentionPolicy
    let logger: Logger
    var rollupInterval: Duration = .seconds(60)
    var retentionInterval: Duration = .seconds(600)

    public init(store: SeriesStore, recorder: HistoryRecorder, retention: RetentionPolicy, logger: Logger) {
        self.store = store
        self.recorder = recorder
        self.retention = retention
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastRetention = ContinuousClock.now - retentionInterval
            while !Task.isCancelled {
                await rollUp()
                if ContinuousClock.now - lastRetention >= retentionInterval {
                    await deleteExpired()
                    lastRetention = ContinuousClock.now
                }
                do { try await Task.sleep(for: rollupInterval) } catch { break }
            }
        }
    }

    func rollUp() async {
        do {
            while try await store.rollUp(now: Self.now(), maxChunks: 4), !Task.isCancelled {
                await Task.yield()
            }
            await recorder.reportSuccess()
        } catch {
            await recorder.reportFailure(error, during: "rolling up")
        }
    }

    func deleteExpired() async {
        var after: Int64? = 0
        var deleted = 0
        do {
            while let cursor = after, !Task.isCancelled {
                let batch = try await store.deleteExpired(now: Self.now(), policy: retention, afterSeries: cursor)
                deleted += batch.deleted
                after = batch.next
                await Task.yield()
            }
            if deleted > 0 { logger.debug("Deleted expired history", metadata: ["rows": "\(deleted)"]) }
            let now = Self.now()
            var runsDeleted = 0
            if let runs {
                while !Task.isCancelled {
                    let batch = try await runs.deleteRuns(endedBefore: EpochMillis.from(wholeSeconds: now - retention.runs))
                    runsDeleted += batch
                    if batch == 0 { break }
                    await Task.yield()
                }
            }
            let episodesDeleted =
                try await episodes?.deleteEpisodes(endedBefore: EpochMillis.from(wholeSeconds: now - retention.episodes)) ?? 0
            if runsDeleted + episodesDeleted > 0 {
                logger.debug(
                    "Deleted expired runs and SLA episodes",
                    metadata: ["runs": "\(runsDeleted)", "episodes": "\(episodesDeleted)"])
            }
            await recorder.reportSuccess()
        } catch {
            await recorder.reportFailure(error, during: "deleting expired rows")
        }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
