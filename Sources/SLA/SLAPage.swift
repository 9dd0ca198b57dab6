import EtlworksAPI
import ExporterBase
import Foundation
import SLAStore
import Store
import Vocabulary

/// `/sla`: a page a person can read without Grafana. What breaches now, what is pending,
/// each rule's standing, and the breaches of the last seven days. Pure; every value from
/// the API or the config is HTML-escaped.
public enum SLAPage {
    /// `more`: the week held more breaches than `episodes`, its newest.
    public static func render(_ snapshot: SLASnapshot, episodes: [SLAEpisode], now: Double, more: Bool = false) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="60">
            <title>SLA — etlworks-exporter</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;line-height:1.4;color:#222}
            table{border-collapse:collapse;margin:0.5em 0 2em}th,td{border-bottom:1px solid #ddd;padding:0.3em 0.8em;text-align:left}
            th{background:#f4f4f4}.critical{color:#b00020;font-weight:600}.warning{color:#a15c00;font-weight:600}.info{color:#555}
            .ok{color:#2e7d32}.num{text-align:right;font-variant-numeric:tabular-nums}
            </style></head><body>
            <h1>SLA status</h1>

            """
        let evaluated = snapshot.evaluatedAt.map(UTCTime.format) ?? "not yet"
        let breaching = snapshot.breaching
        html += "<p>Evaluated \(HTML.escape(evaluated)). \(snapshot.rules.count) rules; "
        html +=
            breaching.isEmpty
            ? "<span class=\"ok\">nothing breaches</span>.</p>\n" : "<strong>\(breaching.count) breaching</strong>.</p>\n"
        for window in snapshot.maintenance {
            html +=
                "<p class=\"pending\">Maintenance <strong>\(HTML.escape(window.name))</strong> until \(UTCTime.format(window.end)): no breach starts for the flows it covers.</p>\n"
        }
        if !breaching.isEmpty {
            html += "<h2>Breaching now</h2>\n" + table(breaching, sinceLabel: "Breaching since", now: now)
        }
        let pending = snapshot.results.filter { $0.phase == .pending }
        if !pending.isEmpty {
            html +=
                "<h2>Pending (condition holds, <code>for</code> not over)</h2>\n"
                + table(pending, sinceLabel: "Holding since", now: now)
        }
        html +=
            "<h2>Rules</h2>\n<table><tr><th>Rule</th><th>Severity</th><th>Condition</th><th>Targets</th><th>Breaching</th><th>Pending</th><th>Lowest 30-day compliance</th><th>Lowest compliance this month</th></tr>\n"
        var byRule: [String: [SLAResult]] = [:]
        for result in snapshot.results { byRule[result.rule, default: []].append(result) }
        for rule in snapshot.rules {
            let results = byRule[rule.name] ?? []
            let lowest = results.compactMap(\.compliance30d).min()
            let lowestMonth = results.compactMap(\.complianceMonth).min()
            html += "<tr><td>\(HTML.escape(rule.name))</td><td class=\"\(rule.severity.rawValue)\">\(rule.severity.rawValue)</td>"
            html += "<td>\(HTML.escape(rule.condition.key))</td><td class=\"num\">\(results.count)</td>"
            html += "<td class=\"num\">\(results.filter { $0.phase == .breaching }.count)</td>"
            html += "<td class=\"num\">\(results.filter { $0.phase == .pending }.count)</td>"
            html += "<td class=\"num\">\(lowest.map(PercentText.format) ?? "–")</td>"
            html += "<td class=\"num\">\(lowestMonth.map(PercentText.format) ?? "–")</td></tr>\n"
        }
        html += "</table>\n<h2>Breaches in the last 7 days</h2>\n"
        if episodes.isEmpty {
            html += "<p class=\"ok\">None.</p>\n"
        } else {
            html +=
                "<table><tr><th>Rule</th><th>Severity</th><th>Target</th><th>Start</th><th>End</th><th>Duration</th><th>Peak</th><th>Threshold</th></tr>\n"
            for episode in episodes.reversed() {
                let end = episode.endMs.map { EpochMillis.seconds($0) }
                html +=
                    "<tr><td>\(HTML.escape(episode.rule))</td><td class=\"\(HTML.escape(episode.severity))\">\(HTML.escape(episode.severity))</td>"
                let tenant = episode.tenant.isEmpty ? "" : " (tenant \(episode.tenant))"
                html +=
                    "<td>\(HTML.escape(episode.targetName + tenant))</td><td>\(UTCTime.format(EpochMillis.seconds(episode.startMs)))"
                html += episode.replayed ? " <small>(before this exporter watched)</small></td>" : "</td>"
                html += "<td>\(end.map(UTCTime.format) ?? "ongoing")</td>"
                html += "<td class=\"num\">\(DurationText.measured((end ?? now) - EpochMillis.seconds(episode.startMs)))</td>"
                html +=
                    "<td class=\"num\">\(episode.peak.map(NumberText.format) ?? "")</td><td class=\"num\">\(episode.threshold.map(NumberText.format) ?? "")</td></tr>\n"
            }
            html += "</table>\n"
            if more { html += "<p>The newest \(episodes.count) are shown; the rest are in the history JSON.</p>\n" }
        }
        html +=
            "<p><a href=\"/api/v1/sla\">JSON</a> · <a href=\"/api/v1/sla/history\">history JSON</a> · <a href=\"/metrics\">metrics</a></p>\n</body></html>\n"
        return html
    }

    private static func table(_ results: [SLAResult], sinceLabel: String, now: Double) -> String {
        var html =
            "<table><tr><th>Rule</th><th>Severity</th><th>Target</th><th>Value</th><th>Threshold</th><th>\(sinceLabel)</th><th>Why</th></tr>\n"
        for result in results.prefix(1000) {
            let since = result.breachStart ?? result.since
            html +=
                "<tr><td>\(HTML.escape(result.rule))</td><td class=\"\(result.severity.rawValue)\">\(result.severity.rawValue)</td>"
            html += "<td>\(HTML.escape(result.targetLabel))</td>"
            html += "<td class=\"num\">\(result.measurement.value.map(NumberText.format) ?? "")</td>"
            html += "<td class=\"num\">\(result.measurement.threshold.map(NumberText.format) ?? "")</td>"
            html += "<td>\(since.map { "\(UTCTime.format($0)) (\(DurationText.measured(now - $0)))" } ?? "")</td>"
            html += "<td>\(HTML.escape(result.measurement.detail ?? ""))</td></tr>\n"
        }
        if results.count > 1000 {
            html += "<tr><td colspan=\"7\">… and \(results.count - 1000) more (see /api/v1/sla)</td></tr>\n"
        }
        return html + "</table>\n"
    }
}
