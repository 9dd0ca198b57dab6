import EtlworksAPI
import ExporterBase
import Foundation
import Vocabulary

/// One table of the usage report as CSV (RFC 4180: CRLF line ends, fields quoted when they
/// hold a comma, quote or line break, quotes doubled; names that would run as spreadsheet
/// formulas neutralised). Every table carries the coverage, so
/// a partly covered month cannot pass for a complete one. Pure.
enum UsageReportCSV {
    static func render(_ report: UsageReport, table: UsageReportTable) -> String {
        let coverage = ReportNumber.plain(report.coverage.ratio)
        let statuses = RunStatus.completedStatuses.map(\.rawValue)
        let summaryHeader =
            ["runs"] + statuses + [
                "success_ratio", "duration_total_seconds", "duration_p50_seconds",
                "duration_p95_seconds", "duration_max_seconds", "records"
            ]
        func summary(_ summary: RunSummary) -> [String] {
            [String(summary.runs)] + statuses.map { String(summary.byStatus[$0] ?? 0) } + [
                ReportNumber.plain(summary.successRatio), ReportNumber.plain(summary.durationTotalSeconds),
                ReportNumber.plain(summary.durationP50Seconds), ReportNumber.plain(summary.durationP95Seconds),
                ReportNumber.plain(summary.durationMaxSeconds), String(summary.records)
            ]
        }
        var rows: [[String]]
        switch table {
        case .tenant:
            let billing = report.billing?.current
            rows = [
                ["month", "time_zone", "complete", "period_end", "coverage_ratio", "first_sample", "last_sample"] + summaryHeader
                    + [
                        "billing_tier", "billing_allowance", "billing_records_used", "billing_used_ratio", "billing_overage",
                        "billing_projected_usage", "billing_exhausted_at", "billing_period_start", "billing_period_end", "notes"
                    ]
            ]
            rows.append(
                [
                    report.month.label, report.month.zoneName, String(report.complete),
                    UTCTime.format(EpochMillis.seconds(report.periodEnd)), coverage,
                    report.coverage.firstSample.map(UTCTime.format) ?? "", report.coverage.lastSample.map(UTCTime.format) ?? ""
                ]
                    + summary(report.tenant)
                    + [
                        text(report.billing?.tier ?? ""), ReportNumber.plain(billing?.allowance),
                        ReportNumber.plain(billing?.recordsUsed),
                        ReportNumber.plain(billing?.usedRatio), ReportNumber.plain(billing?.overage),
                        ReportNumber.plain(billing?.projectedUsage), billing?.exhaustedAt.map(UTCTime.format) ?? "",
                        billing?.start.map(UTCTime.format) ?? "", billing?.end.map(UTCTime.format) ?? "",
                        report.notes.joined(separator: " ")
                    ])
        case .tenants:
            rows = [["tenant_id", "tenant_name"] + summaryHeader + ["coverage_ratio"]]
            for tenant in report.tenants {
                rows.append([text(tenant.id), text(tenant.name)] + summary(tenant.summary) + [coverage])
            }
        case .flows:
            // With tenants, each flow's tenant first (flow ids repeat across tenants).
            let tenants = !report.tenants.isEmpty
            rows = [
                (tenants ? ["tenant_id"] : []) + ["flow_id", "flow_name", "tags", "deleted"] + summaryHeader + ["coverage_ratio"]
            ]
            for flow in report.flows {
                rows.append(
                    (tenants ? [text(flow.tenant)] : [])
                        + [String(flow.id), text(flow.name), text(flow.tags.joined(separator: ";")), String(flow.deleted)]
                        + summary(flow.summary) + [coverage])
            }
        case .daily:
            rows = [["date", "start", "runs", "errors", "records", "billing_records", "coverage_ratio"]]
            for day in report.days {
                rows.append([
                    day.date, UTCTime.format(EpochMillis.seconds(day.start)), String(day.runs), String(day.errors),
                    String(day.records), ReportNumber.plain(day.billingRecords), ReportNumber.plain(day.coverageRatio)
                ])
            }
        case .sla:
            // With tenants, each breach's tenant (flow ids repeat across tenants).
            let tenants = !report.tenants.isEmpty
            rows = [
                ["sla", "severity"] + (tenants ? ["tenant_id"] : []) + [
                    "target_kind", "target_id", "target_name", "breaches", "breach_seconds",
                    "longest_breach_seconds", "compliance", "coverage_ratio"
                ]
            ]
            for usage in report.sla {
                let target = SLATarget(key: usage.targetKey)
                rows.append(
                    [text(usage.rule), usage.severity] + (tenants ? [text(usage.tenant)] : []) + [
                        text(target?.kind.rawValue ?? usage.targetKey),
                        target.map { $0.kind == .tenant ? "" : String($0.id) } ?? "", text(usage.targetName),
                        String(usage.breaches),
                        ReportNumber.plain(usage.breachSeconds), ReportNumber.plain(usage.longestBreachSeconds),
                        ReportNumber.plain(usage.compliance), coverage
                    ])
            }
        case .agents:
            rows = [["agent_id", "agent_name", "availability", "polls", "coverage_ratio"]]
            for agent in report.agents {
                rows.append([
                    text(agent.id), text(agent.name), ReportNumber.plain(agent.availability), String(agent.polls), coverage
                ])
            }
        }
        var out = ""
        for row in rows {
            out += row.map(field).joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    /// A cell of text that came from outside (a flow, agent or tier name): one that a
    /// spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
    /// carriage return) gets a leading `'`, as OWASP advises, so `=HYPERLINK(…)` stays text.
    static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        return "'" + value
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
