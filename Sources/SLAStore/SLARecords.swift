import Foundation
import SQLiteDatabase

/// Where a (rule, target) whose condition holds stands, as `sla_state.phase` stores it.
public enum SLAPhase: Int, Sendable {
    /// The condition holds, its `for` not yet over.
    case pending = 1
    case breaching = 2
}

/// A stored (rule, target) whose condition holds: pending or breaching.
public struct StoredSLAState: Sendable, Equatable {
    public var rule: String
    public var target: String
    public var phase: SLAPhase
    public var sinceMs: Int64
    public var episodeId: Int64?

    public init(rule: String, target: String, phase: SLAPhase, sinceMs: Int64, episodeId: Int64?) {
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
    /// Found by replaying stored runs, before this exporter watched.
    public var replayed: Bool
    /// The tenant whose target breached ('' without `etlworks.tenants`).
    public var tenant: String

    public init(
        id: Int64, rule: String, target: String, targetName: String, severity: String, startMs: Int64,
        endMs: Int64?, peak: Double?, threshold: Double?, replayed: Bool = false, tenant: String = ""
    ) {
        self.tenant = tenant
        self.id = id
        self.rule = rule
        self.target = target
        self.targetName = targetName
        self.severity = severity
        self.startMs = startMs
        self.endMs = endMs
        self.peak = peak
        self.threshold = threshold
        self.replayed = replayed
    }
}

extension SLAEpisode {
    /// The columns `init(_:)` reads, in order.
    package static let columns = "id, rule, target, target_name, severity, start_ms, end_ms, peak, threshold, replayed, tenant"

    /// A row of `SELECT \(columns)`.
    package init(_ row: SQLiteStatement) {
        self.init(
            id: row.int(0), rule: row.text(1) ?? "", target: row.text(2) ?? "", targetName: row.text(3) ?? "",
            severity: row.text(4) ?? "", startMs: row.int(5), endMs: row.optionalInt(6),
            peak: row.optionalDouble(7), threshold: row.optionalDouble(8), replayed: row.int(9) != 0,
            tenant: row.text(10) ?? "")
    }
}

/// A breach found by replaying stored runs, epoch ms; `endMs` nil when it was still on at
/// the end of the replay.
public struct ReplayedEpisode: Sendable, Equatable {
    public var startMs: Int64
    public var endMs: Int64?
    public var peak: Double?
    public var threshold: Double?

    public init(startMs: Int64, endMs: Int64?, peak: Double?, threshold: Double?) {
        self.startMs = startMs
        self.endMs = endMs
        self.peak = peak
        self.threshold = threshold
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

/// Reads `sla_observed`, for the engine and for the usage report.
package enum ObservedSpans {
    /// A tenant's stretches overlapping [from, to], epoch ms, oldest first.
    package static func read(
        _ connection: SQLiteConnection, tenant: String, from: Int64, to: Int64
    ) throws -> [(startMs: Int64, endMs: Int64)] {
        let statement = try connection.statement(
            "SELECT start_ms, end_ms FROM sla_observed WHERE tenant = ?3 AND end_ms >= ?1 AND start_ms <= ?2 ORDER BY start_ms")
        try statement.bind(.integer(from), .integer(to), .text(tenant))
        defer { statement.reset() }
        var spans: [(startMs: Int64, endMs: Int64)] = []
        while try statement.step() { spans.append((statement.int(0), statement.int(1))) }
        return spans
    }
}
