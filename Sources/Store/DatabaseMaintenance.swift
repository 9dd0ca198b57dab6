import CSQLite
import Foundation
import SQLiteDatabase

/// Operations on a database file for `etlworks-exporter db …`: statistics, integrity check,
/// online backup and vacuum. Opens the file as it is (no migration), so it can inspect a
/// database the daemon refuses, and works beside a running daemon (WAL mode).
public final class DatabaseMaintenance {
    private let connection: SQLiteConnection

    /// Rows and bytes of one table or index.
    public struct TableStatistics: Sendable, Equatable {
        public var name: String
        public var rows: Int64?
        public var bytes: Int64?
    }

    /// One tier of the time series: raw samples or a rollup.
    public struct TierStatistics: Sendable, Equatable {
        public var tier: RollupTier
        public var rows: Int64
        public var bytes: Int64?
        /// Epoch seconds of the oldest and newest sample or bucket start.
        public var oldest: Int64?
        public var newest: Int64?
        /// Rollups: every bucket before this is complete.
        public var watermark: Int64?
    }

    /// What `db stats` prints.
    public struct Statistics: Sendable {
        public var path: String
        public var fileBytes: Int64
        public var walBytes: Int64
        public var schemaVersion: Int64
        public var tables: [TableStatistics]
        /// Queue or start time of the oldest and newest run stored, epoch ms.
        public var oldestRun: Int64?
        public var newestRun: Int64?
        public var openRuns: Int64
        public var flows: Int64
        public var series: Int64
        public var tiers: [TierStatistics]
    }

    /// Opens an existing database; `readOnly` for stats, check and backup.
    public init(path: String, readOnly: Bool) throws {
        connection = try SQLiteConnection(path: path, create: false, readOnly: readOnly)
    }

    public func statistics() throws -> Statistics {
        let path = connection.path
        func size(_ file: String) -> Int64 {
            (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
        }
        var names: [String] = []
        let list = try connection.statement(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        while try list.step() { if let name = list.text(0) { names.append(name) } }
        let bytesByName = (try? bytesPerObject()) ?? [:]
        var tables: [TableStatistics] = []
        for name in names {
            let rows = try connection.scalar("SELECT count(*) FROM \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"")
            tables.append(TableStatistics(name: name, rows: rows, bytes: bytesByName[name]))
        }
        let hasRuns = names.contains("runs")
        return Statistics(
            path: path, fileBytes: size(path), walBytes: size(path + "-wal"),
            schemaVersion: try connection.scalar("PRAGMA user_version") ?? 0,
            tables: tables,
            oldestRun: hasRuns ? try connection.scalar("SELECT min(coalesce(created_ms, started_ms)) FROM runs") : nil,
            newestRun: hasRuns ? try connection.scalar("SELECT max(coalesce(started_ms, created_ms)) FROM runs") : nil,
            openRuns: hasRuns ? try connection.scalar("SELECT count(*) FROM runs WHERE state = 0") ?? 0 : 0,
            flows: names.contains("flows") ? try connection.scalar("SELECT count(*) FROM flows WHERE deleted = 0") ?? 0 : 0,
            series: names.contains("series") ? try connection.scalar("SELECT count(*) FROM series") ?? 0 : 0,
            tiers: try RollupTier.allCases.filter { names.contains($0.table) }.map { tier in
                let watermark = try connection.statement("SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1")
                try watermark.bind(.text(tier.watermarkKey))
                defer { watermark.reset() }
                return TierStatistics(
                    tier: tier, rows: tables.first { $0.name == tier.table }?.rows ?? 0, bytes: bytesByName[tier.table],
                    oldest: try connection.scalar(
                        tier == .raw
                            ? "SELECT min(ts) FROM polls"
                            : "SELECT min(bucket) FROM group_polls WHERE tier = '\(tier.rawValue)'"),
                    newest: try connection.scalar(
                        tier == .raw
                            ? "SELECT max(ts) FROM polls"
                            : "SELECT max(bucket) FROM group_polls WHERE tier = '\(tier.rawValue)'"),
                    watermark: try watermark.step() ? watermark.optionalInt(0) : nil)
            })
    }

    /// Bytes per table (its indexes included), from the dbstat virtual table when SQLite
    /// has it; empty otherwise.
    private func bytesPerObject() throws -> [String: Int64] {
        let statement = try connection.statement(
            """
            SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s
            LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1
            """)
        var result: [String: Int64] = [:]
        while try statement.step() { if let name = statement.text(0) { result[name] = statement.int(1) } }
        return result
    }

    /// `PRAGMA integrity_check`: `["ok"]` or the problems found.
    public func integrityCheck() throws -> [String] {
        let statement = try connection.statement("PRAGMA integrity_check")
        var messages: [String] = []
        while try statement.step() { messages.append(statement.text(0) ?? "") }
        return messages
    }

    /// Copies the database to `destination` with SQLite's online backup API, a few hundred
    /// pages at a time so that a running daemon keeps writing. Refuses an existing file.
    public func backup(to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(code: .cannotOpen, path: destination, message: "already exists; refusing to overwrite it")
        }
        // Readable by its owner only, like the database it copies (it holds the same history),
        // created so before SQLite opens it: its WAL and journal take the same mode.
        guard FileManager.default.createFile(atPath: destination, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError(code: .cannotOpen, path: destination, message: "cannot create the file")
        }
        let target: SQLiteConnection
        do { target = try SQLiteConnection(path: destination, create: true) } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
        do {
            try connection.backup(into: target)
            target.close()
        } catch {
            target.close()
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
    }

    /// Rebuilds the file to release free pages.
    public func vacuum() throws {
        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
    }
}
