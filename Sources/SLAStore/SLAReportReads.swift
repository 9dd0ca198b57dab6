import Foundation
import SQLiteDatabase
import Store

/// The SLA history a usage report reads, in the report's read transaction.
extension UsageReportReader {
    /// SLA episodes overlapping [from, to), epoch ms, every tenant's.
    public func episodes(from: Int64, to: Int64) throws -> [SLAEpisode] {
        let statement = try connection.statement(
            """
            SELECT \(SLAEpisode.columns) FROM sla_episodes
            WHERE coalesce(end_ms, 9223372036854775807) > ?1 AND start_ms < ?2 ORDER BY start_ms, id
            """)
        try statement.bind(.integer(from), .integer(to))
        defer { statement.reset() }
        var result: [SLAEpisode] = []
        while try statement.step() { result.append(SLAEpisode(statement)) }
        return result
    }

    /// A tenant's observed stretches of SLA evaluation overlapping [from, to], epoch ms (see
    /// `SLACompliance`); `tenant` '' without `etlworks.tenants`.
    public func observedSpans(tenant: String = "", from: Int64, to: Int64) throws -> [(startMs: Int64, endMs: Int64)] {
        try ObservedSpans.read(connection, tenant: tenant, from: from, to: to)
    }
}
