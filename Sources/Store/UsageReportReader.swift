import EtlworksAPI
import Foundation
import SQLiteDatabase

/// A completed run as a report reads it.
public struct ReportRun: Sendable {
    /// Its tenant's id ('' without tenants).
    public var tenant: String
    public var flowId: Int64
    public var status: RunStatus
    /// When it ended (or was last seen), epoch ms.
    public var endMs: Int64
    public var durationMs: Int64?
    public var records: Int64?
}

/// A flow as stored, deleted ones included.
public struct ReportFlow: Sendable, Equatable {
    public var tenant: String
    public var id: Int64
    public var name: String
    public var tags: [String]
    public var deleted: Bool
}

/// Reads what a usage report needs over its own read-only connection, all in one read
/// transaction so every part comes from the same snapshot. Used by one caller at a time.
public final class UsageReportReader {
    /// Shared with the SLA store's reads of episodes and observed time (`SLAStore`).
    package let connection: SQLiteConnection

    /// Opens an existing database read-only; refuses a file whose schema is not this
    /// binary's (older files are migrated by `serve`, newer ones need a newer binary).
    public init(path: String) throws {
        connection = try SQLiteConnection(path: path, create: false, readOnly: true)
        let version: Int64
        do {
            version = try connection.scalar("PRAGMA user_version") ?? 0
        } catch let error as StoreError {
            throw StoreError(code: error.code, path: path, message: "not a readable exporter database (\(error.message))")
        }
        if version > Schema.version {
            throw StoreError(
                code: .tooNew, path: path,
                message: "schema version \(version) is newer than this binary supports (\(Schema.version)); upgrade the exporter")
        }
        if version < Schema.version {
            throw StoreError(
                code: .sqlite, path: path,
                message: "schema version \(version) is older than \(Schema.version); run `serve` once to migrate it")
        }
    }

    public func close() { connection.close() }

    /// Runs `body` inside one read transaction.
    public func read<T>(_ body: () throws -> T) throws -> T {
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        return try body()
    }

    /// Every completed run that ended in [from, to), epoch ms, in no particular order.
    public func forEachCompletedRun(endedFrom from: Int64, to: Int64, _ body: (ReportRun) -> Void) throws {
        // The expression and the partial-index condition match `runs_completed_by_end`.
        let statement = try connection.statement(
            """
            SELECT flow_id, status, coalesce(ended_ms, updated_ms), ended_ms - started_ms, records, tenant FROM runs
            WHERE state = 1 AND coalesce(ended_ms, updated_ms) >= ?1 AND coalesce(ended_ms, updated_ms) < ?2
            """)
        try statement.bind(.integer(from), .integer(to))
        defer { statement.reset() }
        // Tenants are few: each run shares its tenant's one String instead of making its own.
        var tenants: [(bytes: [UInt8], id: String)] = [([], "")]
        while try statement.step() {
            let duration = statement.optionalInt(3)
            let tenant = statement.withBytes(5) { bytes in
                if let known = tenants.first(where: { $0.bytes.elementsEqual(bytes) }) { return known.id }
                tenants.append((Array(bytes), String(decoding: bytes, as: UTF8.self)))
                return tenants[tenants.count - 1].id
            }
            body(
                ReportRun(
                    tenant: tenant, flowId: statement.int(0), status: statement.withBytes(1, Self.status),
                    endMs: statement.int(2),
                    durationMs: duration.flatMap { $0 >= 0 ? $0 : nil }, records: statement.optionalInt(4)))
        }
    }

    /// A stored status from its bytes: a String per run would cost more than the rest of
    /// the row.
    static func status(_ bytes: UnsafeBufferPointer<UInt8>) -> RunStatus {
        func equals(_ text: StaticString) -> Bool {
            bytes.count == text.utf8CodeUnitCount && bytes.count > 0
                && memcmp(bytes.baseAddress!, text.utf8Start, bytes.count) == 0
        }
        if equals("success") { return .success }
        if equals("error") { return .error }
        if equals("warning") { return .warning }
        if equals("canceled") { return .canceled }
        return .unknown
    }

    /// Every flow ever stored.
    public func flows() throws -> [ReportFlow] {
        let statement = try connection.statement("SELECT id, name, tags, deleted, tenant FROM flows ORDER BY tenant, id")
        defer { statement.reset() }
        var flows: [ReportFlow] = []
        while try statement.step() {
            let tags = statement.text(2).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String] } ?? []
            flows.append(
                ReportFlow(
                    tenant: statement.text(4) ?? "", id: statement.int(0), name: statement.text(1) ?? "", tags: tags,
                    deleted: statement.int(3) != 0))
        }
        return flows
    }

    /// When `group` was polled in [from, to), epoch seconds, ascending (raw polls only:
    /// retention removes them after `storage.retention.raw`).
    public func pollTimes(group: String, from: Int64, to: Int64) throws -> [Int64] {
        try SeriesRows.pollTimes(connection, group, from: from, to: to)
    }

    /// Since when the run history is complete, epoch seconds: the start of the earliest day
    /// whose run listing the exporter read whole (`RunHistory.startKey`); nil in a database
    /// written before it was recorded.
    /// With tenants, the latest of the tenants' starts: from there every tenant's runs are whole.
    public func runHistoryStart() throws -> Int64? {
        let statement = try connection.statement("SELECT max(CAST(value AS REAL)) FROM meta WHERE key = ?1 OR key LIKE ?2")
        try statement.bind(.text(RunHistory.startKey), .text("tenant/%/" + RunHistory.startKey))
        defer { statement.reset() }
        return try statement.step() ? statement.optionalDouble(0).map { Int64($0) } : nil
    }

    /// Each tenant's name, as the exporter last watched it (`etlworks.tenants`).
    public func tenantNames() throws -> [String: String] {
        let statement = try connection.statement("SELECT key, value FROM meta WHERE key LIKE 'tenant/%/name'")
        defer { statement.reset() }
        var names: [String: String] = [:]
        while try statement.step() {
            let key = statement.text(0) ?? ""
            names[String(key.dropFirst("tenant/".count).dropLast("/name".count))] = statement.text(1) ?? ""
        }
        return names
    }

    /// Starts of the `tier` buckets in [from, to) in which `group` was polled.
    public func polledBuckets(group: String, tier: RollupTier, from: Int64, to: Int64) throws -> [Int64] {
        let statement = try connection.statement(
            "SELECT bucket FROM group_polls WHERE tier = ?1 AND bucket >= ?2 AND bucket < ?3 AND grp = ?4 AND count > 0 ORDER BY bucket"
        )
        try statement.bind(.text(tier.rawValue), .integer(from), .integer(to), .text(group))
        defer { statement.reset() }
        var result: [Int64] = []
        while try statement.step() { result.append(statement.int(0)) }
        return result
    }
}
