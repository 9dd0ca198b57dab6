import BlockingThreads
import EtlworksAPI
import Exposition
import Foundation
import SLAStore
import SeriesQuery
import Store
import Vocabulary

/// Builds a `UsageReport` from the database: runs, flows and SLA episodes through a
/// `UsageReportReader`, billing and agents from the stored series. The arithmetic lives in
/// `RunFigures`, `ReportCoverage`, `BillingUsage` and `SLAUsageTally`.
public enum UsageReportBuilder {
    /// Reads the report for `month` at `now` from the database at `path` (read-only).
    public static func build(path: String, month: ReportMonth, now: Date) async throws -> UsageReport {
        let nowMs = EpochMillis.from(now, .towardZero)
        let periodEnd = max(month.start, min(month.end, nowMs))
        let stored = try await readStored(path: path, month: month, periodEnd: periodEnd)
        var report = stored
        report.generatedAt = now.timeIntervalSince1970
        let series = try SeriesReader(path: path)
        defer { Task { await series.close() } }
        try await addSeries(from: series, to: &report)
        return report
    }

    /// Runs (in parallel slices of the month), then flows, SLA episodes and coverage from
    /// one read transaction.
    static func readStored(path: String, month: ReportMonth, periodEnd: Int64) async throws -> UsageReport {
        let tally = try await RunTally.read(
            path: path, month: month, from: month.start, to: periodEnd, slices: ReportThreads.count)
        return try await ReportThreads.shared.run { try readStored(path: path, month: month, periodEnd: periodEnd, tally: tally) }
    }

    /// Flows, SLA episodes and coverage; blocks.
    private static func readStored(path: String, month: ReportMonth, periodEnd: Int64, tally: RunTally) throws -> UsageReport {
        var tally = tally
        let reader = try UsageReportReader(path: path)
        defer { reader.close() }
        return try reader.read {
            var days = (0..<month.dayCount).map { index in
                UsageReport.Day(
                    date: month.date(ofDay: index), start: month.dayStarts[index], runs: tally.days[index].runs,
                    errors: tally.days[index].errors, records: tally.days[index].records)
            }
            var flows: [UsageReport.FlowUsage] = []
            var seen = Set<RunTally.FlowKey>()
            for flow in try reader.flows() {
                let key = RunTally.FlowKey(tenant: flow.tenant, id: flow.id)
                seen.insert(key)
                let summary = tally.summary(of: key)
                // A deleted flow stays in the report of a month it ran in.
                if summary == nil && flow.deleted { continue }
                flows.append(
                    UsageReport.FlowUsage(
                        tenant: flow.tenant, id: flow.id, name: flow.name, tags: flow.tags, deleted: flow.deleted,
                        summary: summary ?? RunSummary()))
            }
            // Runs of a flow the flow list never showed.
            for key in tally.flowIds where !seen.contains(key) {
                flows.append(
                    UsageReport.FlowUsage(
                        tenant: key.tenant, id: key.id, name: "", tags: [], deleted: true,
                        summary: tally.summary(of: key) ?? RunSummary()))
            }
            flows.sort { ($1.summary.records, $1.summary.runs, $0.id) < ($0.summary.records, $0.summary.runs, $1.id) }

            let from = EpochMillis.wholeSeconds(month.start), to = EpochMillis.wholeSeconds(periodEnd, up: true)
            // With tenants, each polls on its own: the first tenant's polls stand for the sampling.
            let names = try reader.tenantNames()
            let group = names.keys.sorted().first.map { "executions@\($0)" } ?? "executions"
            var coverage = ReportCoverage.compute(
                polls: try reader.pollTimes(group: group, from: from, to: to),
                fiveMinuteBuckets: try reader.polledBuckets(group: group, tier: .fiveMinutes, from: from, to: to),
                hourBuckets: try reader.polledBuckets(group: group, tier: .hour, from: from, to: to),
                dayStarts: month.dayStarts.map { EpochMillis.wholeSeconds($0) }, to: EpochMillis.wholeSeconds(periodEnd))
            for index in days.indices { days[index].coverageRatio = coverage.dayRatios[index] }
            coverage.addRuns(historyStart: try reader.runHistoryStart(), from: from, to: EpochMillis.wholeSeconds(periodEnd))

            var report = UsageReport(month: month, generatedAt: 0, periodEnd: periodEnd, coverage: coverage)
            report.tenant = tally.tenant.summary()
            // With tenants, a row each (those watched and those with runs in the month).
            let ids = Set(names.keys).union(tally.tenants.keys.filter { !$0.isEmpty })
            report.tenants = ids.sorted { $0.localizedStandardCompare($1) == .orderedAscending }.map { id in
                var figures = tally.tenants[id]
                return UsageReport.TenantUsage(id: id, name: names[id] ?? "", summary: figures?.summary() ?? RunSummary())
            }
            report.days = days
            report.flows = flows
            let episodes = try reader.episodes(from: month.start, to: periodEnd)
            // Each tenant's rules were evaluated on its own polls: compliance divides by its own observed time.
            var observed: [String: [(startMs: Int64, endMs: Int64)]] = [:]
            for tenant in Set(episodes.map(\.tenant)) {
                observed[tenant] = try reader.observedSpans(tenant: tenant, from: month.start, to: periodEnd)
            }
            report.sla = SLAUsageTally.tally(episodes, observed: observed, from: month.start, to: periodEnd)
            return report
        }
    }

    /// Billing and agent availability from the stored series, read from the hourly tier
    /// (kept 400 days by default). Hourly windows; in zones whose midnight is not on the
    /// hour, quarter-hour windows, so the part not yet rolled up is cut at local midnight and
    /// the rest to the hour.
    static func addSeries(from series: SeriesReader, to report: inout UsageReport) async throws {
        let month = report.month
        let from = EpochMillis.wholeSeconds(month.start), to = EpochMillis.wholeSeconds(report.periodEnd, up: true)
        guard to > from else { return }
        let wholeHours = month.dayStarts.allSatisfy { $0 % 3_600_000 == 0 }
        let tier = RollupTier.hour, step: Int64 = wholeHours ? 3600 : 900
        func points(_ selector: String, from: Int64, to: Int64) async throws -> [SeriesResult] {
            try await series.query(
                try SeriesSelector.parse(selector), tier: tier, from: from, to: to, step: step, maxSeries: 100_000)
        }
        func points(_ selector: String) async throws -> [SeriesResult] { try await points(selector, from: from, to: to) }
        // Billing periods are read whole: from the start of the first that overlaps the
        // month to the end of the last (or now).
        var periodStarts = try await points(BillingFamilies.periodStart.storedName).first?.points ?? []
        var periodEnds = try await points(BillingFamilies.periodEnd.storedName).first?.points ?? []
        let billingFrom = min(from, periodStarts.map { Int64($0.values.min) }.min() ?? from)
        let now = Int64(report.generatedAt)
        let billingTo = max(to, min(now, periodEnds.map { Int64($0.values.max) }.max() ?? to))
        func billing(_ selector: String) async throws -> [SeriesPoint] {
            try await points(selector, from: billingFrom, to: billingTo).first?.points ?? []
        }
        // Past the month's edges the bounds are read again; within them they are at hand.
        if billingFrom < from || billingTo > to {
            periodStarts = try await billing(BillingFamilies.periodStart.storedName)
            periodEnds = try await billing(BillingFamilies.periodEnd.storedName)
        }
        // Each tenant's subscription is its own series; the report has no billing per tenant yet.
        guard report.tenants.isEmpty else { return addAgents(try await points(AgentFamilies.up.storedName), to: &report) }
        let usage = try await billing(BillingFamilies.recordsUsed.storedName + #"{period="month"}"#)
        let allowance = try await billing(BillingFamilies.recordsAllowance.storedName + #"{period="month"}"#)
        // The subscription series whose last window is latest names the tier.
        let subscription = try await points(BillingFamilies.subscription.storedName)
            .filter { !$0.points.isEmpty }.max { $0.points.last!.timestamp < $1.points.last!.timestamp }?.series.labels
        report.billing = BillingUsage.compute(
            usage: usage, allowance: allowance,
            periodStarts: periodStarts, periodEnds: periodEnds,
            tier: subscription?.first { $0.name == "tier" }?.value,
            status: subscription?.first { $0.name == "status" }?.value,
            month: month, now: report.generatedAt)
        if let daily = report.billing?.daily {
            for index in report.days.indices where index < daily.count { report.days[index].billingRecords = daily[index] }
        }
        addAgents(try await points(AgentFamilies.up.storedName), to: &report)
    }

    /// Each agent's availability (with tenants, each tenant's agents).
    private static func addAgents(_ series: [SeriesResult], to report: inout UsageReport) {
        report.agents = series.compactMap { result in
            let polls = result.points.reduce(Int64(0)) { $0 + $1.values.count }
            guard polls > 0 else { return nil }
            let online = result.points.reduce(0.0) { $0 + $1.values.sum }
            let label = { (name: String) in result.series.labels.first { $0.name == name }?.value ?? "" }
            return UsageReport.AgentAvailability(
                // With tenants, agent ids repeat: the tenant's id goes first.
                id: label("tenant_id").isEmpty ? label("agent_id") : label("tenant_id") + "/" + label("agent_id"),
                name: label("agent_name"),
                availability: online / Double(polls), polls: polls)
        }.sorted { ($0.availability, $0.name, $0.id) < ($1.availability, $1.name, $1.id) }
    }
}
