import BlockingThreads
import EtlworksAPI
import Foundation
import Store
import Synchronization

/// The completed runs of a period tallied in all, per tenant watched (`etlworks.tenants`),
/// per flow and per local day. Slices of the period are tallied in parallel, each over its
/// own connection, and merged.
struct RunTally {
    var tenant = RunFigures()
    /// Per tenant id; only '' without tenants.
    private(set) var tenants: [String: RunFigures] = [:]
    private(set) var flowIndex: [FlowKey: Int] = [:]
    private(set) var flows: [RunFigures] = []
    private(set) var flowIds: [FlowKey] = []

    /// A flow of a tenant: tenants' flow ids overlap.
    struct FlowKey: Hashable {
        var tenant: String
        var id: Int64
    }
    var days: [(runs: Int64, errors: Int64, records: Int64)]

    init(dayCount: Int) {
        days = Array(repeating: (0, 0, 0), count: dayCount)
    }

    mutating func add(_ run: ReportRun, month: ReportMonth) {
        let status = RunFigures.statusIndex(run.status)
        tenant.add(statusIndex: status, durationMs: run.durationMs, records: run.records)
        tenants[run.tenant, default: RunFigures()].add(statusIndex: status, durationMs: run.durationMs, records: run.records)
        flows[index(of: FlowKey(tenant: run.tenant, id: run.flowId))].add(
            statusIndex: status, durationMs: run.durationMs, records: run.records)
        if let day = month.day(of: run.endMs) {
            days[day].runs += 1
            if status == 2 { days[day].errors += 1 }
            days[day].records = days[day].records.addingSaturated(run.records ?? 0)
        }
    }

    mutating func merge(_ other: RunTally) {
        tenant.merge(other.tenant)
        for (id, figures) in other.tenants { tenants[id, default: RunFigures()].merge(figures) }
        for (position, id) in other.flowIds.enumerated() { flows[index(of: id)].merge(other.flows[position]) }
        for day in days.indices {
            days[day].runs += other.days[day].runs
            days[day].errors += other.days[day].errors
            days[day].records = days[day].records.addingSaturated(other.days[day].records)
        }
    }

    /// The summary of one flow's runs, nil when it had none.
    mutating func summary(of flow: FlowKey) -> RunSummary? {
        guard let index = flowIndex[flow] else { return nil }
        return flows[index].summary()
    }

    private mutating func index(of flow: FlowKey) -> Int {
        if let known = flowIndex[flow] { return known }
        flowIndex[flow] = flows.count
        flows.append(RunFigures())
        flowIds.append(flow)
        return flows.count - 1
    }

    /// Tallies the runs that ended in [from, to) (epoch ms) in `slices` slices, read in
    /// parallel on the report threads.
    static func read(path: String, month: ReportMonth, from: Int64, to: Int64, slices: Int) async throws -> RunTally {
        let bounds = (0...slices).map { from + (to - from) * Int64($0) / Int64(slices) }
        return try await withThrowingTaskGroup(of: RunTally.self) { group in
            for slice in 0..<slices {
                group.addTask {
                    try await ReportThreads.shared.run {
                        let reader = try UsageReportReader(path: path)
                        defer { reader.close() }
                        var tally = RunTally(dayCount: month.dayCount)
                        try reader.forEachCompletedRun(endedFrom: bounds[slice], to: bounds[slice + 1]) {
                            tally.add($0, month: month)
                        }
                        return tally
                    }
                }
            }
            var total = RunTally(dayCount: month.dayCount)
            for try await tally in group { total.merge(tally) }
            return total
        }
    }
}
