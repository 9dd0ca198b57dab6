import EtlworksAPI
import ExporterBase
import Foundation
import Vocabulary

/// The usage report as one self-contained HTML file: inline CSS and two inline SVG charts
/// (daily runs and errors; records against the allowance), no scripts, no external
/// resources, laid out to print on A4. Every name is escaped. Pure.
enum UsageReportHTML {
    /// Flows listed; the JSON and CSV forms hold them all.
    static let flowLimit = 50

    static func render(_ report: UsageReport) -> String {
        let title = "Etlworks usage — \(report.month.label)"
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title))</title>
            <style>
            @page{size:A4 portrait;margin:14mm}
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;max-width:182mm;margin:1.5em auto;line-height:1.35;font-size:10.5pt}
            h1{font-size:17pt;margin:0 0 .2em}h2{font-size:13pt;margin:1.4em 0 .4em;border-bottom:1px solid #ccc;padding-bottom:.15em}
            .meta{color:#555;margin:0 0 1em}
            .note{border-left:4px solid #c77700;background:#fff6e5;padding:.4em .8em;margin:.5em 0}
            table{border-collapse:collapse;width:100%;margin:.3em 0 .8em;font-size:9.5pt}
            th,td{border-bottom:1px solid #e3e3e3;padding:.22em .45em;text-align:left;vertical-align:top}
            th{background:#f3f3f3}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            .kpis{display:flex;flex-wrap:wrap;gap:.5em}.kpi{border:1px solid #ddd;border-radius:4px;padding:.35em .7em;min-width:7.5em}
            .kpi b{display:block;font-size:13pt}.kpi span{color:#555;font-size:8.5pt}
            svg.chart{width:100%;height:auto;display:block;margin:.3em 0}
            .chart text{font-size:10px;fill:#444}.legend{font-size:8.5pt;color:#555}
            .swatch{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 .8em;vertical-align:-.05em}
            section,table,svg{break-inside:avoid}thead{display:table-header-group}tr{break-inside:avoid}
            @media print{body{margin:0;max-width:none}.note{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
            </style></head><body>

            """
        html += "<h1>\(HTML.escape(title))</h1>\n"
        html +=
            "<p class=\"meta\">Time zone \(HTML.escape(report.month.zoneName)) · generated \(HTML.escape(ReportNumber.time(report.generatedAt))) by etlworks-exporter · "
        html +=
            "runs are counted over <b>\(ReportNumber.percent(report.coverage.runsRatio))</b> of the \(report.complete ? "month" : "month so far"), "
            + "sampled series cover <b>\(ReportNumber.percent(report.coverage.ratio))</b></p>\n"
        for note in report.notes { html += "<p class=\"note\"><b>Note:</b> \(HTML.escape(note))</p>\n" }

        let tenant = report.tenant
        html += "<section><h2>Tenant</h2><div class=\"kpis\">\n"
        html += kpi(ReportNumber.count(tenant.runs), "runs")
        html += kpi(tenant.successRatio.map(ReportNumber.percent) ?? "–", "success ratio")
        html += kpi(ReportNumber.count(tenant.byStatus["error"] ?? 0), "errors")
        html += kpi(ReportNumber.count(tenant.records), "records processed")
        html += kpi(ReportNumber.duration(tenant.durationP50Seconds), "run time p50")
        html += kpi(ReportNumber.duration(tenant.durationP95Seconds), "run time p95")
        html += kpi(ReportNumber.duration(tenant.durationMaxSeconds), "longest run")
        html += kpi(ReportNumber.duration(tenant.durationTotalSeconds), "run time total")
        html += "</div>\n"
        html += "<h2>Runs and errors per day</h2>\n" + runsChart(report) + "</section>\n"

        html += "<section><h2>Billing</h2>\n"
        if let billing = report.billing {
            let period = billing.current
            html += "<p>Billing period \(HTML.escape(ReportNumber.period(period)))</p>\n"
            html += "<div class=\"kpis\">"
            html += kpi(HTML.escape(billing.tier ?? "unknown"), "tier")
            html += kpi(period.allowance.map(ReportNumber.count) ?? "unknown", "allowance (records)")
            html += kpi(ReportNumber.count(period.recordsUsed), "used, as of \(HTML.escape(ReportNumber.time(period.asOf)))")
            if let ratio = period.usedRatio { html += kpi(ReportNumber.percent(ratio), "of the allowance") }
            if let overage = period.overage, overage > 0 { html += kpi(ReportNumber.count(overage), "overage") }
            if let projected = period.projectedUsage { html += kpi(ReportNumber.count(projected), "projected at period end") }
            if let exhausted = period.exhaustedAt {
                html += kpi(
                    HTML.escape(ReportNumber.time(exhausted)),
                    period.exhausted ? "allowance used up" : "allowance runs out at this pace")
            }
            html += "</div>\n"
            if billing.periods.count > 1 {
                html +=
                    "<table><thead><tr><th>Billing period</th><th>Allowance</th><th>Used</th><th>Share</th><th>Overage</th></tr></thead><tbody>\n"
                for item in billing.periods {
                    html += "<tr><td>\(HTML.escape(ReportNumber.period(item)))</td>"
                    html += "<td>\(item.allowance.map(ReportNumber.count) ?? "unknown")</td>"
                    html += "<td>\(ReportNumber.count(item.recordsUsed))</td>"
                    html += "<td>\(item.usedRatio.map(ReportNumber.percent) ?? "")</td>"
                    html += "<td>\(item.overage.map(ReportNumber.count) ?? "")</td></tr>\n"
                }
                html += "</tbody></table>\n"
            }
        } else {
            html += "<p>No billing data is stored for this month; the chart shows records processed by runs.</p>\n"
        }
        html += "<h2>Records against the allowance</h2>\n" + recordsChart(report) + "</section>\n"

        html += "<section><h2>SLA</h2>\n"
        if report.sla.isEmpty {
            html += "<p>No SLA breach in this month\(report.hasData ? "" : " (no data)").</p>\n"
        } else {
            html += table(
                ["SLA", "Severity", "Target", "#Breaches", "#Breach time", "#Longest", "#Compliance"],
                report.sla.map { usage in
                    [
                        HTML.escape(usage.rule), HTML.escape(usage.severity),
                        HTML.escape(SLAUsageTally.targetText(usage)),
                        String(usage.breaches), ReportNumber.duration(usage.breachSeconds),
                        ReportNumber.duration(usage.longestBreachSeconds), usage.compliance.map(ReportNumber.percent) ?? "–"
                    ]
                })
            html += "<p class=\"legend\">Targets not listed did not breach.</p>\n"
        }
        html += "</section>\n<section><h2>Agents</h2>\n"
        html +=
            report.agents.isEmpty
            ? "<p>No agent data is stored for this month.</p>\n"
            : table(
                ["Agent", "#Availability", "#Polls"],
                report.agents.map {
                    [HTML.escape($0.name), ReportNumber.percent($0.availability), ReportNumber.count($0.polls)]
                })
        if !report.tenants.isEmpty {
            html += "</section>\n<section><h2>Tenants</h2>\n"
            html += table(
                ["Tenant", "Name", "#Runs", "#Errors", "#Success", "#Run time total", "#p95", "#Records"],
                report.tenants.map { tenant in
                    [
                        HTML.escape(tenant.id), HTML.escape(tenant.name), ReportNumber.count(tenant.summary.runs),
                        ReportNumber.count(tenant.summary.byStatus["error"] ?? 0),
                        tenant.summary.successRatio.map(ReportNumber.percent) ?? "–",
                        ReportNumber.duration(tenant.summary.durationTotalSeconds),
                        ReportNumber.duration(tenant.summary.durationP95Seconds), ReportNumber.count(tenant.summary.records)
                    ]
                })
        }
        html += "</section>\n<section><h2>Flows</h2>\n"
        if report.flows.count > flowLimit {
            html +=
                "<p>The \(flowLimit) of \(report.flows.count) flows that processed the most records (all are in the JSON and CSV forms).</p>\n"
        }
        html +=
            report.flows.isEmpty
            ? "<p>No flows.</p>\n"
            : table(
                ["ID", "Flow", "Tags", "#Runs", "#Errors", "#Success", "#p95", "#Records"],
                report.flows.prefix(flowLimit).map { flow in
                    [
                        (flow.tenant.isEmpty ? "" : HTML.escape(flow.tenant) + "/") + String(flow.id),
                        HTML.escape(flow.name) + (flow.deleted ? " <i>(deleted)</i>" : ""),
                        HTML.escape(flow.tags.joined(separator: ", ")),
                        ReportNumber.count(flow.summary.runs), ReportNumber.count(flow.summary.byStatus["error"] ?? 0),
                        flow.summary.successRatio.map(ReportNumber.percent) ?? "–",
                        ReportNumber.duration(flow.summary.durationP95Seconds),
                        ReportNumber.count(flow.summary.records)
                    ]
                })
        html += "</section>\n<section><h2>Days</h2>\n"
        html += table(
            ["Date", "#Runs", "#Errors", "#Records", "#Billed records", "#Coverage"],
            report.days.map { day in
                [
                    day.date, ReportNumber.count(day.runs), ReportNumber.count(day.errors), ReportNumber.count(day.records),
                    day.billingRecords.map(ReportNumber.count) ?? "–", ReportNumber.percent(day.coverageRatio)
                ]
            })
        html += "</section>\n</body></html>\n"
        return html
    }

    private static func kpi(_ value: String, _ label: String) -> String {
        "<div class=\"kpi\"><b>\(value)</b><span>\(label)</span></div>"
    }

    /// Header cells starting with `#` are numeric columns (right-aligned).
    private static func table(_ header: [String], _ rows: [[String]]) -> String {
        let numeric = header.map { $0.hasPrefix("#") }
        var out = "<table><thead><tr>"
        for (index, cell) in header.enumerated() {
            out += numeric[index] ? "<th class=\"num\">\(cell.dropFirst())</th>" : "<th>\(cell)</th>"
        }
        out += "</tr></thead><tbody>\n"
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                out += index < numeric.count && numeric[index] ? "<td class=\"num\">\(cell)</td>" : "<td>\(cell)</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    // MARK: Charts

    private static let width = 720.0, height = 220.0
    private static let left = 56.0, right = 12.0, top = 12.0, bottom = 26.0

    /// Bars of runs per day with that day's errors drawn over them.
    static func runsChart(_ report: UsageReport) -> String {
        let days = report.days
        let maximum = niceCeiling(Double(days.map(\.runs).max() ?? 0))
        var svg = chartOpen(
            id: "chart-runs", label: "Runs and errors per day, \(report.month.label)", maximum: maximum, days: days)
        let slot = plotWidth / Double(max(1, days.count))
        for (index, day) in days.enumerated() {
            let x = left + Double(index) * slot + slot * 0.15
            let runHeight = plotHeight * Double(day.runs) / maximum
            let errorHeight = plotHeight * Double(day.errors) / maximum
            svg +=
                "<rect class=\"runs\" x=\"\(f(x))\" y=\"\(f(top + plotHeight - runHeight))\" width=\"\(f(slot * 0.7))\" height=\"\(f(runHeight))\" fill=\"#4e79a7\">"
            svg +=
                "<title>\(day.date): \(ReportNumber.count(day.runs)) runs, \(ReportNumber.count(day.errors)) errors</title></rect>"
            if day.errors > 0 {
                svg +=
                    "<rect class=\"errors\" x=\"\(f(x))\" y=\"\(f(top + plotHeight - errorHeight))\" width=\"\(f(slot * 0.7))\" height=\"\(f(errorHeight))\" fill=\"#e15759\"/>"
            }
            svg += "\n"
        }
        svg += "</svg>\n"
        return svg
            + "<p class=\"legend\"><span class=\"swatch\" style=\"background:#4e79a7\"></span>runs<span class=\"swatch\" style=\"background:#e15759\"></span>errors</p>\n"
    }

    /// Cumulative records through the month (billed records when billing is stored, else
    /// records processed by runs), with the latest billing period's allowance and, for a
    /// period in progress that ends with the month, the projection to its end.
    static func recordsChart(_ report: UsageReport) -> String {
        let days = report.days
        let billed = report.billing != nil
        // Billing reports usage to date, so its curve is the value at each day's end (days
        // without samples left out, not drawn as zero); records processed by runs are summed.
        var cumulative: [Double?] = []
        var total = 0.0
        for (index, day) in days.enumerated() {
            if let billing = report.billing {
                cumulative.append(billing.endOfDay[index])
                total = max(total, billing.endOfDay[index] ?? 0)
            } else {
                total += Double(day.records)
                cumulative.append(day.start < report.periodEnd ? total : nil)
            }
        }
        let period = report.billing?.current
        let allowance = period?.allowance
        // Drawn to the chart's right edge: only for a period that ends with the month.
        let projected = period?.end.map { $0 <= EpochMillis.seconds(report.month.end) } ?? true ? period?.projectedUsage : nil
        let maximum = niceCeiling(max(total, allowance ?? 0, projected ?? 0, period?.recordsUsed ?? 0))
        var svg = chartOpen(
            id: "chart-records", label: "Records against the allowance, \(report.month.label)", maximum: maximum, days: days)
        let slot = plotWidth / Double(max(1, days.count))
        func y(_ value: Double) -> Double { top + plotHeight - plotHeight * value / maximum }
        var points: [String] = []
        for (index, value) in cumulative.enumerated() {
            guard let value else { continue }
            points.append("\(f(left + Double(index + 1) * slot)),\(f(y(value)))")
        }
        if !points.isEmpty {
            for point in points {
                let xy = point.split(separator: ",")
                svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"#4e79a7\"/>"
            }
            let origin = billed ? "" : "\(f(left)),\(f(y(0))) "
            svg +=
                "<polyline class=\"usage\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2.5\" points=\"\(origin)\(points.joined(separator: " "))\"/>\n"
        }
        if let allowance {
            svg +=
                "<line class=\"allowance\" x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(y(allowance)))\" y2=\"\(f(y(allowance)))\" stroke=\"#e15759\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
            svg +=
                "<text x=\"\(f(left + plotWidth - 4))\" y=\"\(f(y(allowance) - 4))\" text-anchor=\"end\">allowance \(ReportNumber.compact(allowance))</text>\n"
        }
        if let projected, let last = cumulative.lastIndex(where: { $0 != nil }), let value = cumulative[last] {
            svg +=
                "<line class=\"projection\" x1=\"\(f(left + Double(last + 1) * slot))\" y1=\"\(f(y(value)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(projected)))\" stroke=\"#4e79a7\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>\n"
        }
        svg += "</svg>\n"
        var legend =
            "<p class=\"legend\"><span class=\"swatch\" style=\"background:#4e79a7\"></span>\(billed ? "billed records, cumulative" : "records processed, cumulative")"
        if allowance != nil {
            legend += "<span class=\"swatch\" style=\"background:#e15759\"></span>allowance of the billing period"
        }
        if projected != nil { legend += " · dotted: projection at the pace so far" }
        return svg + legend + "</p>\n"
    }

    private static var plotWidth: Double { width - left - right }
    private static var plotHeight: Double { height - top - bottom }

    /// The frame, gridlines at 0, ½ and the maximum, and a day label every few days.
    private static func chartOpen(id: String, label: String, maximum: Double, days: [UsageReport.Day]) -> String {
        var svg =
            "<svg class=\"chart\" id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(HTML.escape(label))\">"
        svg += "<title>\(HTML.escape(label))</title>\n"
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight * (1 - fraction)
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>"
            svg +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(y + 3))\" text-anchor=\"end\">\(ReportNumber.compact(maximum * fraction))</text>\n"
        }
        let slot = plotWidth / Double(max(1, days.count))
        for index in days.indices where index % 5 == 0 || index == days.count - 1 {
            svg +=
                "<text x=\"\(f(left + (Double(index) + 0.5) * slot))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(index + 1)</text>"
        }
        return svg + "\n"
    }

    /// 1, 2 or 5 times a power of ten, at least `value` (1 for nothing).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        var power = 1.0
        while power * 10 <= value { power *= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * power >= value { return factor * power }
        return 10 * power
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

}
