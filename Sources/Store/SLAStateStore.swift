import Foundation
import SQLiteDatabase

/// A stored (rule, target) whose condition holds: pending or breaching.
public struct StoredSLAState: Sendable, Equatable {
    public var rule: String
    public var target: String
    /// 1 pending, 2 breaching.
    public var phase: Int
    public var sinceMs: Int64
    public var episodeId: Int64?

    public init(rule: String, target: String, phase: Int, sinceMs: Int64, episodeId: Int64?) {
        self.rule = rule
        self.target = target
        self.phase = phase
        self.sinceMs = sinceMs
        self.episodeId = episodeId
    }
}

/// One breach of a rule by a target, from its start to its end (nil while it lasts).
public struct SLAEpisode: Sendable, Equatable {
    public var id: Int64
    public var rule: String
    public var target: String
    public var targetName: String
    public var severity: String
    public var startMs: Int64
    public var endMs: Int64?
    public var peak: Double?
    public var threshold: Double?

    public init(
        id: Int64, rule: String, target: String, targetName: String, severity: String, startMs: Int64,
        endMs: Int64?, peak: Double?, threshold: Double?
    ) {
        self.id = id
        self.rule = rule
        self.target = target
        self.targetName = targetName
        self.severity = severity
        self.startMs = startMs
        self.endMs = endMs
        self.peak = peak
        self.threshold = threshold
    }
}

extension SLAEpisode {
    /// A row of `SELECT id, rule, target, target_name, severity, start_ms, end_ms, peak, threshold`.
    init(_ row: SQLiteStatement) {
        self.init(
            id: row.int(0), rule: row.text(1) ?? "", target: row.text(2) ?? "", targetName: row.text(3) ?? "",
            severity: row.text(4) ?? "", startMs: row.int(5), endMs: row.optionalInt(6),
            peak: row.optionalDouble(7), threshold: row.optionalDouble(8))
    }
}

/// What one evaluation changed, written in one transaction.
public struct SLAStateChanges: Sendable {
    /// States to write (insert or replace).
    public var upserts: [StoredSLAState] = []
    /// (rule, target) pairs back to ok.
    public var deletions: [(rule: String, target: String)] = []
    /// Breaches that began: inserted, their ids filled into the matching upsert.
    public var opened: [SLAEpisode] = []
    /// Episodes that ended or reached a new peak.
    public var updated: [(id: Int64, endMs: Int64?, peak: Double?)] = []
    /// The observed stretch this evaluation began or extended (keyed by its start).
    public var observed: (startMs: Int64, endMs: Int64)?

    public init() {}

    public var isEmpty: Bool {
        upserts.isEmpty && deletions.isEmpty && opened.isEmpty && updated.isEmpty && observed == nil
    }
}

/// SLA states and episodes in the exporter's database, on a connection of their own.
public actor SLAStateStore {
    private let connection: SQLiteConnection
    /// A thread of its own: SQLite blocks, and must not block Swift's cooperative pool.
    private nonisolated let executor = SQLiteExecutor(name: "sqlite-sla")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    deinit { executor.stop() }

    /// `verify`: run SQLite's quick integrity check on the file first (see `DatabaseFile.open`).
    public init(path: String, verify: Bool = true) throws {
        connection = try DatabaseFile.open(path: path, verify: verify)
    }

    public func close() { connection.close() }

    public func states() throws -> [StoredSLAState] {
        let statement = try connection.statement("SELECT rule, target, phase, since_ms, episode_id FROM sla_state")
        var result: [StoredSLAState] = []
        while try statement.step() {
            result.append(
                StoredSLAState(
                    rule: statement.text(0) ?? "", target: statement.text(1) ?? "",
                    phase: Int(statement.int(2)), sinceMs: statement.int(3),
                    episodeId: statement.optionalInt(4)))
        }
        return result
    }

    /// Episodes that were still breaching at or after `from` and began before `to`, oldest first.
    public func episodes(from: Int64, to: Int64, limit: Int = 100_000) throws -> [SLAEpisode] {
        let statement = try connection.statement(
            """
            SELECT id, rule, target, target_name, severity, start_ms, end_ms, peak, threshold FROM sla_episodes
            WHERE coalesce(end_ms, 9223372036854775807) >= ?1 AND start_ms < ?2 ORDER BY start_ms, id LIMIT ?3
            """)
        try statement.bind(.integer(from), .integer(to), .integer(Int64(limit)))
        var result: [SLAEpisode] = []
        while try statement.step() { result.append(SLAEpisode(statement)) }
        return result
    }

    /// Observed stretches (see `SLACompliance`) that end at or after `from`, oldest first.
    public func observedSpans(from: Int64) throws -> [(startMs: Int64, endMs: Int64)] {
        try ObservedSpans.read(connection, from: from, to: Int64.max)
    }

    /// Deletes episodes that ended before `cutoffMs` (epoch ms), keeping their number per rule
    /// and target, in one transaction. Returns how many were deleted. Observed time that ended
    /// before it goes too: compliance over a period needs both, and both are gone.
    public func deleteEpisodes(endedBefore cutoffMs: Int64) throws -> Int {
        try connection.transaction {
            try connection.statement(
                """
                INSERT INTO sla_episodes_pruned (rule, target, count)
                    SELECT rule, target, count(*) FROM sla_episodes WHERE end_ms IS NOT NULL AND end_ms < ?1
                    GROUP BY rule, target
                ON CONFLICT (rule, target) DO UPDATE SET count = count + excluded.count
                """
            ).run(.integer(cutoffMs))
            try connection.statement("DELETE FROM sla_episodes WHERE end_ms IS NOT NULL AND end_ms < ?1").run(.integer(cutoffMs))
            let deleted = Int(try connection.scalar("SELECT changes()") ?? 0)
            try connection.statement("DELETE FROM sla_observed WHERE end_ms < ?1").run(.integer(cutoffMs))
            return deleted
        }
    }

    /// Breaches ever recorded per rule and target, those deleted by retention included.
    public func episodeCounts() throws -> [String: [String: Int64]] {
        let statement = try connection.statement(
            """
            SELECT rule, target, sum(n) FROM (
                SELECT rule, target, count(*) AS n FROM sla_episodes GROUP BY rule, target
                UNION ALL SELECT rule, target, count FROM sla_episodes_pruned)
            GROUP BY rule, target
            """)
        var result: [String: [String: Int64]] = [:]
        while try statement.step() {
            result[statement.text(0) ?? "", default: [:]][statement.text(1) ?? ""] = statement.int(2)
        }
        return result
    }

    /// Writes one evaluation's changes atomically; returns the ids of the opened episodes, in order.
    public func apply(_ changes: SLAStateChanges) throws -> [Int64] {
        guard !changes.isEmpty else { return [] }
        return try connection.transaction {
            var ids: [Int64] = []
            let insertEpisode = try connection.statement(
                """
                INSERT INTO sla_episodes (rule, target, target_name, severity, start_ms, end_ms, peak, threshold)
                VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7) RETURNING id
                """)
            for episode in changes.opened {
                try insertEpisode.bind(
                    .text(episode.rule), .text(episode.target), .text(episode.targetName),
                    .text(episode.severity), .integer(episode.startMs), Self.real(episode.peak),
                    Self.real(episode.threshold))
                _ = try insertEpisode.step()
                ids.append(insertEpisode.int(0))
                insertEpisode.reset()
            }
            let update = try connection.statement(
                "UPDATE sla_episodes SET end_ms = coalesce(?2, end_ms), peak = ?3 WHERE id = ?1")
            for change in changes.updated {
                try update.run(.integer(change.id), .optional(change.endMs), Self.real(change.peak))
            }
            let delete = try connection.statement("DELETE FROM sla_state WHERE rule = ?1 AND target = ?2")
            for pair in changes.deletions { try delete.run(.text(pair.rule), .text(pair.target)) }
            if let observed = changes.observed {
                try connection.statement("INSERT OR REPLACE INTO sla_observed (start_ms, end_ms) VALUES (?1, ?2)")
                    .run(.integer(observed.startMs), .integer(observed.endMs))
            }
            let upsert = try connection.statement(
                """
                INSERT OR REPLACE INTO sla_state (rule, target, phase, since_ms, episode_id) VALUES (?1, ?2, ?3, ?4, ?5)
                """)
            for state in changes.upserts {
                // A state opened in this transaction takes its episode's new id.
                let episode =
                    state.episodeId
                    ?? changes.opened.firstIndex { $0.rule == state.rule && $0.target == state.target }
                    .map { ids[$0] }
                try upsert.run(
                    .text(state.rule), .text(state.target), .integer(Int64(state.phase)), .integer(state.sinceMs),
                    .optional(episode))
            }
            return ids
        }
    }

    private static func real(_ value: Double?) -> SQLiteValue {
        guard let value, value.isFinite else { return .null }
        return .real(value)
    }
}

/// Reads `sla_observed`, for the engine and for the usage report.
enum ObservedSpans {
    /// Stretches overlapping [from, to], epoch ms, oldest first.
    static func read(_ connection: SQLiteConnection, from: Int64, to: Int64) throws -> [(startMs: Int64, endMs: Int64)] {
        let statement = try connection.statement(
            "SELECT start_ms, end_ms FROM sla_observed WHERE end_ms >= ?1 AND start_ms <= ?2 ORDER BY start_ms")
        try statement.bind(.integer(from), .integer(to))
        defer { statement.reset() }
        var spans: [(startMs: Int64, endMs: Int64)] = []
        while try statement.step() { spans.append((statement.int(0), statement.int(1))) }
        return spans
    }
}
