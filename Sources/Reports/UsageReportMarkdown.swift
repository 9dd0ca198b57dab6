import Vocabulary

/// The usage report as Markdown for tickets: notes first, then the tenant, billing, SLA,
/// agents, the busiest flows and the days. Every name is escaped. Pure.
enum UsageReportMarkdown {
    /// Flows listed; the JSON and CSV forms hold them all.
    static let flowLimit = 25

    static func render(_ report: UsageReport) -> String {
        var md = "# Etlworks usage — \(report.month.label) (\(escape(report.month.zoneName)))\n\n"
        md += "Generated \(ReportNumber.time(report.generatedAt)) by etlworks-exporter. "
        md +=
            "Runs are counted over **\(ReportNumber.percent(report.coverage.runsRatio))** of the \(report.complete ? "month" : "month so far"); "
            + "sampled series cover **\(ReportNumber.percent(report.coverage.ratio))**.\n\n"
        // Notes are the exporter's own text, not names: not escaped.
        for note in report.notes { md += "> **Note:** \(note)\n>\n" }
        if !report.notes.isEmpty { md.removeLast(2); md += "\n" }

        let tenant = report.tenant
        md += "## Tenant\n\n"
        md += table(
            [
                "Runs", "Success", "Warning", "Error", "Canceled", "Success ratio", "Run time total", "p50", "p95", "Max",
                "Records"
            ],
            [
                [
                    ReportNumber.count(tenant.runs), ReportNumber.count(tenant.byStatus["success"] ?? 0),
                    ReportNumber.count(tenant.byStatus["warning"] ?? 0), ReportNumber.count(tenant.byStatus["error"] ?? 0),
                    ReportNumber.count(tenant.byStatus["canceled"] ?? 0), tenant.successRatio.map(ReportNumber.percent) ?? "–",
                    ReportNumber.duration(tenant.durationTotalSeconds), ReportNumber.duration(tenant.durationP50Seconds),
                    ReportNumber.duration(tenant.durationP95Seconds), ReportNumber.duration(tenant.durationMaxSeconds),
                    ReportNumber.count(tenant.records)
                ]
            ])

        if !report.tenants.isEmpty {
            md += "## Tenants\n\n"
            md += table(
                ["Tenant", "Name", "Runs", "Errors", "Success ratio", "Run time total", "p95", "Records"],
                report.tenants.map { tenant in
                    [
                        escape(tenant.id), escape(tenant.name), ReportNumber.count(tenant.summary.runs),
                        ReportNumber.count(tenant.summary.byStatus["error"] ?? 0),
                        tenant.summary.successRatio.map(ReportNumber.percent) ?? "–",
                        ReportNumber.duration(tenant.summary.durationTotalSeconds),
                        ReportNumber.duration(tenant.summary.durationP95Seconds), ReportNumber.count(tenant.summary.records)
                    ]
                })
        }

        md += "## Billing\n\n"
        if let billing = report.billing {
            md += "Tier: \(escape(billing.tier ?? "unknown")). One row per billing period that overlaps the month, whole.\n\n"
            md += table(
                [
                    "Billing period", "Allowance (records)", "Records used", "Share of allowance", "Overage",
                    "Projected at period end", "Allowance used up"
                ],
                billing.periods.map { period in
                    [
                        ReportNumber.period(period), period.allowance.map(ReportNumber.count) ?? "unknown",
                        "\(ReportNumber.count(period.recordsUsed)) (as of \(ReportNumber.time(period.asOf)))",
                        period.usedRatio.map(ReportNumber.percent) ?? "", period.overage.map(ReportNumber.count) ?? "",
                        period.projectedUsage.map(ReportNumber.count) ?? "",
                        period.exhaustedAt.map { (period.exhausted ? "" : "at this pace: ") + ReportNumber.time($0) } ?? ""
                    ]
                })
        } else {
            md += "No billing data is stored for this month.\n\n"
        }

        md += "## SLA\n\n"
        if report.sla.isEmpty {
            md += "No SLA breach in this month\(report.hasData ? "" : " (no data)").\n\n"
        } else {
            md += table(
                ["SLA", "Severity", "Target", "Breaches", "Breach time", "Longest", "Compliance"],
                report.sla.map { usage in
                    [
                        escape(usage.rule), escape(usage.severity),
                        escape(SLAUsageTally.targetText(usage)),
                        String(usage.breaches), ReportNumber.duration(usage.breachSeconds),
                        ReportNumber.duration(usage.longestBreachSeconds),
                        usage.compliance.map(ReportNumber.percent) ?? "–"
                    ]
                })
            md += "Targets not listed did not breach.\n\n"
        }

        md += "## Agents\n\n"
        md +=
            report.agents.isEmpty
            ? "No agent data is stored for this month.\n\n"
            : table(
                ["Agent", "Availability", "Polls"],
                report.agents.map {
                    [escape($0.name), ReportNumber.percent($0.availability), ReportNumber.count($0.polls)]
                })

        let flows = report.flows.prefix(flowLimit)
        md += "## Flows\n\n"
        if report.flows.count > flowLimit {
            md += "The \(flowLimit) of \(report.flows.count) flows that processed the most records.\n\n"
        }
        md +=
            flows.isEmpty
            ? "No flows.\n\n"
            : table(
                ["ID", "Flow", "Tags", "Runs", "Errors", "Success ratio", "p95", "Records"],
                flows.map { flow in
                    [
                        (flow.tenant.isEmpty ? "" : escape(flow.tenant) + "/") + String(flow.id),
                        escape(flow.name) + (flow.deleted ? " (deleted)" : ""),
                        escape(flow.tags.joined(separator: ", ")),
                        ReportNumber.count(flow.summary.runs), ReportNumber.count(flow.summary.byStatus["error"] ?? 0),
                        flow.summary.successRatio.map(ReportNumber.percent) ?? "–",
                        ReportNumber.duration(flow.summary.durationP95Seconds),
                        ReportNumber.count(flow.summary.records)
                    ]
                })

        md += "## Days\n\n"
        md += table(
            ["Date", "Runs", "Errors", "Records", "Billed records", "Coverage"],
            report.days.map { day in
                [
                    day.date, ReportNumber.count(day.runs), ReportNumber.count(day.errors), ReportNumber.count(day.records),
                    day.billingRecords.map(ReportNumber.count) ?? "–", ReportNumber.percent(day.coverageRatio)
                ]
            })
        return md
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var out = "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---|" }.joined() + "\n"
        for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out + "\n"
    }

    /// Backslash-escapes the punctuation that starts inline Markdown and turns line breaks into spaces, so a
    /// name can neither break a table nor become a link, image or HTML.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&":
                out.append("\\")
                out.append(character)
            case "\n", "\r", "\r\n", "\t": out.append(" ")
            default:
                if character.unicodeScalars.allSatisfy({ $0.value < 0x20 || $0.value == 0x7f }) {
                    out.append(" ")
                } else {
                    out.append(character)
                }
            }
        }
        return out
    }
}
