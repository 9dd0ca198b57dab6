import Foundation
import SQLiteDatabase
import Store

/// SLA states and episodes in the exporter's database, on a connection of their own. Each
/// tenant's are apart (`forTenant`): tenants' flow ids overlap, so a target key such as
/// `flow:7` names a different flow in each.
public actor SLAStateStore {
    /// Used only on `executor`'s thread, which a tenant's view shares with its owner.
    private nonisolated(unsafe) let connection: SQLiteConnection
    /// A thread of its own: SQLite blocks, and must not block Swift's cooperative pool.
    private nonisolated let executor: SQLiteExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    /// The tenant whose states and episodes this store reads and writes ('' without tenants).
    public nonisolated let tenant: String
    /// The store a tenant's view was made from: it owns the connection and the thread.
    private let owner: SLAStateStore?

    deinit { if owner == nil { executor.stop() } }

    /// `verify`: run SQLite's quick integrity check on the file first (see `DatabaseFile.open`).
    public init(path: String, verify: Bool = true) throws {
        executor = SQLiteExecutor(name: "sqlite-sla")
        tenant = ""
        owner = nil
        connection = try DatabaseFile.open(path: path, verify: verify)
    }

    /// The same database seen as `tenant`'s, on the same connection and thread.
    public nonisolated func forTenant(_ tenant: String) -> SLAStateStore {
        SLAStateStore(view: owner ?? self, tenant: tenant)
    }

    private init(view owner: SLAStateStore, tenant: String) {
        connection = owner.connection
        executor = owner.executor
        self.tenant = tenant
        self.owner = owner
    }

    public func close() { connection.close() }

    public func states() throws -> [StoredSLAState] {
        let statement = try connection.statement(
            "SELECT rule, target, phase, since_ms, episode_id FROM sla_state WHERE tenant = ?1")
        try statement.bind(.text(tenant))
        var result: [StoredSLAState] = []
        while try statement.step() {
            // A phase no version wrote (a damaged file) is skipped: that target starts afresh.
            guard let phase = SLAPhase(rawValue: Int(statement.int(2))) else { continue }
            result.append(
                StoredSLAState(
                    rule: statement.text(0) ?? "", target: statement.text(1) ?? "",
                    phase: phase, sinceMs: statement.int(3),
                    episodeId: statement.optionalInt(4)))
        }
        return result
    }

    /// Episodes that were still breaching at or after `from` and began before `to`, oldest
    /// first: the first `limit` of them, or with `newest` the last `limit`. `everyTenant`:
    /// every tenant's (the history and the page of an exporter watching tenants).
    public func episodes(
        from: Int64, to: Int64, limit: Int = 100_000, newest: Bool = false, everyTenant: Bool = false
    ) throws -> [SLAEpisode] {
        let order = newest ? "start_ms DESC, id DESC" : "start_ms, id"
        let statement = try connection.statement(
            """
            SELECT \(SLAEpisode.columns) FROM sla_episodes
            WHERE coalesce(end_ms, 9223372036854775807) >= ?1 AND start_ms < ?2 AND (?4 OR tenant = ?5)
            ORDER BY \(order) LIMIT ?3
            """)
        try statement.bind(.integer(from), .integer(to), .integer(Int64(limit)), .integer(everyTenant ? 1 : 0), .text(tenant))
        var result: [SLAEpisode] = []
        while try statement.step() { result.append(SLAEpisode(statement)) }
        return newest ? result.reversed() : result
    }

    /// Every breach still on at or after `from` (epoch ms), per rule and target key, oldest
    /// first: what compliance needs, however many there are (a replay can write hundreds of
    /// thousands). Each (rule, target)'s texts are held once.
    public func breachIntervals(from: Int64) throws -> [String: [String: [(startMs: Int64, endMs: Int64?)]]] {
        let statement = try connection.statement(
            """
            SELECT rule, target, start_ms, end_ms FROM sla_episodes
            WHERE coalesce(end_ms, 9223372036854775807) >= ?1 AND tenant = ?2 ORDER BY rule, target, start_ms
            """)
        try statement.bind(.integer(from), .text(tenant))
        var result: [String: [String: [(startMs: Int64, endMs: Int64?)]]] = [:]
        var rule = "", target = ""
        var spans: [(startMs: Int64, endMs: Int64?)] = []
        func flush() {
            if !spans.isEmpty { result[rule, default: [:]][target] = spans }
            spans = []
        }
        while try statement.step() {
            let sameRule = statement.withBytes(0) { $0.elementsEqual(rule.utf8) }
            if !sameRule || !statement.withBytes(1, { $0.elementsEqual(target.utf8) }) {
                flush()
                rule = statement.text(0) ?? ""
                target = statement.text(1) ?? ""
            }
            spans.append((statement.int(2), statement.optionalInt(3)))
        }
        flush()
        return result
    }

    /// The episodes the stored states hold (breaches still on).
    public func openEpisodes() throws -> [SLAEpisode] {
        let statement = try connection.statement(
            """
            SELECT \(SLAEpisode.columns) FROM sla_episodes
            WHERE tenant = ?1 AND id IN (SELECT episode_id FROM sla_state WHERE tenant = ?1)
            """)
        try statement.bind(.text(tenant))
        var result: [SLAEpisode] = []
        while try statement.step() { result.append(SLAEpisode(statement)) }
        return result
    }

    /// What a replay of stored runs writes in one transaction: a slice of its flows. The
    /// first slice replaces what an interrupted replay wrote; the last records the rules'
    /// definitions, so that a finished replay is never done twice.
    public struct Replay: Sendable {
        /// The breaches replaying one rule found for one target, and the state it ended in.
        public struct Target: Sendable {
            public var rule: String
            public var target: String
            public var targetName: String
            public var severity: String
            public var episodes: [ReplayedEpisode]
            /// Written when set; a breaching state takes the last episode, which is still on.
            public var state: StoredSLAState?

            public init(
                rule: String, target: String, targetName: String, severity: String, episodes: [ReplayedEpisode],
                state: StoredSLAState?
            ) {
                self.rule = rule
                self.target = target
                self.targetName = targetName
                self.severity = severity
                self.episodes = episodes
                self.state = state
            }
        }

        /// Rules whose earlier replayed episodes are replaced (a changed definition, or a replay
        /// a stop interrupted).
        public var replacing: [String] = []
        public var targets: [Target] = []
        public var observed: (startMs: Int64, endMs: Int64)?
        /// Per rule, the definition replayed.
        public var fingerprints: [String: String] = [:]
        /// Hundreds of thousands of episodes to come: the index on end time is dropped with
        /// this slice and built again with the last (`fingerprints`). Kept up row by row, it
        /// took every insert to a random page of it (a 2,000-flow replay waited 6.2–9.4 s on
        /// its writes with it, 3.7–5.5 s without).
        public var dropsEndIndex = false

        public init() {}
    }

    /// Writes a replay; returns, per target, the id of the episode its breaching state took.
    public func apply(_ replay: Replay) throws -> [Int64?] {
        try connection.transaction {
            for rule in replay.replacing {
                // A replayed breach the live evaluation has taken over stays with it.
                try connection.statement(
                    """
                    DELETE FROM sla_episodes WHERE tenant = ?2 AND rule = ?1 AND replayed = 1
                        AND id NOT IN (SELECT episode_id FROM sla_state WHERE episode_id IS NOT NULL)
                    """
                ).run(.text(rule), .text(tenant))
            }
            if replay.dropsEndIndex { try connection.execute("DROP INDEX IF EXISTS sla_episodes_by_end") }
            // Hundreds of thousands of rows: a target's texts are bound once, each episode's
            // numbers per row, and the last id read from the connection (RETURNING costs a
            // temporary table per row).
            let insert = try connection.statement(
                """
                INSERT INTO sla_episodes (rule, target, target_name, severity, start_ms, end_ms, peak, threshold, replayed, tenant)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)
                """)
            let upsert = try connection.statement(
                """
                INSERT OR REPLACE INTO sla_state (rule, target, phase, since_ms, episode_id, tenant)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                """)
            var taken: [Int64?] = []
            taken.reserveCapacity(replay.targets.count)
            for target in replay.targets {
                var last: Int64?
                if !target.episodes.isEmpty {
                    insert.reset()
                    try insert.bind(.text(target.rule), .text(target.target), .text(target.targetName), .text(target.severity))
                    try insert.bind(at: 9, .text(tenant))
                }
                for episode in target.episodes {
                    insert.bind(5, episode.startMs)
                    insert.bind(6, episode.endMs)
                    insert.bind(7, Self.finite(episode.peak))
                    insert.bind(8, Self.finite(episode.threshold))
                    try insert.executeBound()
                    last = connection.lastInsertedRowid
                }
                let episode = target.state?.phase == .breaching && target.episodes.last?.endMs == nil ? last : nil
                if let state = target.state {
                    try upsert.run(
                        .text(state.rule), .text(state.target), .integer(Int64(state.phase.rawValue)), .integer(state.sinceMs),
                        .optional(episode), .text(tenant))
                }
                taken.append(episode)
            }
            if !replay.fingerprints.isEmpty { try connection.execute(Schema.episodesByEnd) }
            if let observed = replay.observed { try write(observed: observed) }
            let meta = try connection.statement("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")
            for (rule, fingerprint) in replay.fingerprints {
                try meta.run(.text(fingerprintPrefix + rule), .text(fingerprint))
            }
            return taken
        }
    }

    /// The meta keys of the definitions replayed: a tenant's begin as its other meta keys do.
    private var fingerprintPrefix: String { tenant.isEmpty ? "sla.replayed." : "tenant/\(tenant)/sla.replayed." }

    /// Per rule, the definition last replayed.
    public func replayFingerprints() throws -> [String: String] {
        let statement = try connection.statement("SELECT key, value FROM meta WHERE key >= ?1 AND key < ?2")
        // Every key with the prefix sorts before the prefix with its final `.` raised to `/`.
        try statement.bind(.text(fingerprintPrefix), .text(fingerprintPrefix.dropLast() + "/"))
        var result: [String: String] = [:]
        while try statement.step() {
            result[String((statement.text(0) ?? "").dropFirst(fingerprintPrefix.count))] = statement.text(1) ?? ""
        }
        return result
    }

    /// Observed stretches (see `SLACompliance`) that end at or after `from`, oldest first.
    public func observedSpans(from: Int64) throws -> [(startMs: Int64, endMs: Int64)] {
        try ObservedSpans.read(connection, tenant: tenant, from: from, to: Int64.max)
    }

    /// Deletes episodes that ended before `cutoffMs` (epoch ms), keeping their number per rule
    /// and target, in one transaction. Returns how many were deleted. Observed time that ended
    /// before it goes too: compliance over a period needs both, and both are gone. Every
    /// tenant's: retention is the database's.
    public func deleteEpisodes(endedBefore cutoffMs: Int64) throws -> Int {
        try connection.transaction {
            try connection.statement(
                """
                INSERT INTO sla_episodes_pruned (tenant, rule, target, count)
                    SELECT tenant, rule, target, count(*) FROM sla_episodes WHERE end_ms IS NOT NULL AND end_ms < ?1
                    GROUP BY tenant, rule, target
                ON CONFLICT (tenant, rule, target) DO UPDATE SET count = count + excluded.count
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
                SELECT rule, target, count(*) AS n FROM sla_episodes WHERE tenant = ?1 GROUP BY rule, target
                UNION ALL SELECT rule, target, count FROM sla_episodes_pruned WHERE tenant = ?1)
            GROUP BY rule, target
            """)
        try statement.bind(.text(tenant))
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
                INSERT INTO sla_episodes (rule, target, target_name, severity, start_ms, end_ms, peak, threshold, tenant)
                VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8) RETURNING id
                """)
            for episode in changes.opened {
                try insertEpisode.bind(
                    .text(episode.rule), .text(episode.target), .text(episode.targetName),
                    .text(episode.severity), .integer(episode.startMs), Self.real(episode.peak),
                    Self.real(episode.threshold), .text(tenant))
                _ = try insertEpisode.step()
                ids.append(insertEpisode.int(0))
                insertEpisode.reset()
            }
            let update = try connection.statement(
                "UPDATE sla_episodes SET end_ms = coalesce(?2, end_ms), peak = ?3 WHERE id = ?1")
            for change in changes.updated {
                try update.run(.integer(change.id), .optional(change.endMs), Self.real(change.peak))
            }
            let delete = try connection.statement("DELETE FROM sla_state WHERE tenant = ?3 AND rule = ?1 AND target = ?2")
            for pair in changes.deletions { try delete.run(.text(pair.rule), .text(pair.target), .text(tenant)) }
            if let observed = changes.observed { try write(observed: observed) }
            let upsert = try connection.statement(
                """
                INSERT OR REPLACE INTO sla_state (rule, target, phase, since_ms, episode_id, tenant)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                """)
            for state in changes.upserts {
                // A state opened in this transaction takes its episode's new id.
                let episode =
                    state.episodeId
                    ?? changes.opened.firstIndex { $0.rule == state.rule && $0.target == state.target }
                    .map { ids[$0] }
                try upsert.run(
                    .text(state.rule), .text(state.target), .integer(Int64(state.phase.rawValue)), .integer(state.sinceMs),
                    .optional(episode), .text(tenant))
            }
            return ids
        }
    }

    /// Writes an observed stretch, replacing the one that began at the same instant.
    private func write(observed: (startMs: Int64, endMs: Int64)) throws {
        try connection.statement("INSERT OR REPLACE INTO sla_observed (tenant, start_ms, end_ms) VALUES (?3, ?1, ?2)")
            .run(.integer(observed.startMs), .integer(observed.endMs), .text(tenant))
    }

    private static func real(_ value: Double?) -> SQLiteValue { finite(value).map { .real($0) } ?? .null }

    /// NaN and infinities are stored as NULL.
    private static func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }
}
