import EtlworksAPI
import Exposition
import SLA
import SeriesQuery
import Store
import Vocabulary

/// The stored history series, read for replaying agent and billing rules: each series in
/// 5-minute windows, its value at the end of each window the poll ran in. A watched tenant's
/// engine reads the series of its `tenantId` only.
public struct SeriesSLAHistory: SLAHistory {
    let reader: SeriesReader
    let tenantId: String?
    static let step: Int64 = 300

    public init(reader: SeriesReader, tenantId: String? = nil) {
        self.reader = reader
        self.tenantId = tenantId
    }

    public func agents(from: Int64, to: Int64) async throws -> [SLAHistory.Agent] {
        try await points(AgentFamilies.up.storedName + (tenantId == nil ? "" : "{\(tenantMatcher)}"), from: from, to: to)
            .compactMap { result in
                let labels = Dictionary(result.series.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
                guard let id = labels["agent_id"] else { return nil }
                return SLAHistory.Agent(
                    id: id, name: labels["agent_name"] ?? id,
                    samples: result.points.map { .init(atMs: Self.endMs(of: $0), online: $0.values.last >= 1) })
            }
    }

    public func billing(from: Int64, to: Int64) async throws -> [(atMs: Int64, subscription: Subscription)] {
        func values(_ name: String, _ period: String) async throws -> [Int64: Int64] {
            let matchers = ["period=\"\(period)\"", tenantMatcher].filter { !$0.isEmpty }.joined(separator: ",")
            let points = try await points(name + "{\(matchers)}", from: from, to: to).first?.points ?? []
            return Dictionary(points.map { (Self.endMs(of: $0), Int64($0.values.last)) }, uniquingKeysWith: { _, last in last })
        }
        let monthUsed = try await values(BillingFamilies.recordsUsed.storedName, "month")
        let todayUsed = try await values(BillingFamilies.recordsUsed.storedName, "day")
        let monthly = try await values(BillingFamilies.recordsAllowance.storedName, "month")
        let daily = try await values(BillingFamilies.recordsAllowance.storedName, "day")
        let instants = Set(monthUsed.keys).union(todayUsed.keys).sorted()
        return instants.map { at in
            (
                at,
                Subscription(
                    monthlyAllowance: monthly[at], dailyAllowance: daily[at], monthUsed: monthUsed[at], todayUsed: todayUsed[at])
            )
        }
    }

    /// Tenant ids are letters, digits and `-_.` (`Tenant.isValidId`): nothing to escape.
    private var tenantMatcher: String { tenantId.map { "tenant_id=\"\($0)\"" } ?? "" }

    private func points(_ selector: String, from: Int64, to: Int64) async throws -> [SeriesResult] {
        try await reader.query(
            try SeriesSelector.parse(selector), tier: .fiveMinutes, from: from, to: to, step: Self.step, maxSeries: 10_000)
    }

    /// A window's values hold at its end (the last poll in it).
    private static func endMs(of point: SeriesPoint) -> Int64 { EpochMillis.from(wholeSeconds: point.timestamp + step) }
}
