import EtlworksAPI
import ExporterBase
import Foundation
import Vocabulary

/// The usage report as JSON (schema in docs/reports.md): every field present, null when
/// unknown; times RFC 3339 UTC, durations in seconds, ratios 0–1. Pure.
enum UsageReportJSON {
    static func render(_ report: UsageReport) -> String {
        var json = ReportJSONWriter()
        json.object { json in
            json.field("report", "usage")
            json.field("schema_version", 1)
            json.field("month", report.month.label)
            json.field("time_zone", report.month.zoneName)
            json.field("from", time(EpochMillis.seconds(report.month.start)))
            json.field("to", time(EpochMillis.seconds(report.month.end)))
            json.field("period_end", time(EpochMillis.seconds(report.periodEnd)))
            json.field("generated_at", time(report.generatedAt))
            json.field("complete", report.complete)
            json.field("has_data", report.hasData)
            json.strings("notes", report.notes)
            json.object("coverage") { json in
                json.field("ratio", report.coverage.ratio)
                json.field("first_sample", report.coverage.firstSample.map(time))
                json.field("last_sample", report.coverage.lastSample.map(time))
                json.field("slot_seconds", report.coverage.slotSeconds)
                json.field("runs_from", report.coverage.runsFrom.map(time))
                json.field("runs_to", report.coverage.runsTo.map(time))
                json.field("runs_ratio", report.coverage.runsRatio)
            }
            json.object("tenant") { summary(report.tenant, to: &$0) }
            if !report.tenants.isEmpty {
                json.array("tenants") { json in
                    for tenant in report.tenants {
                        json.object { json in
                            json.field("id", tenant.id)
                            json.field("name", tenant.name)
                            summary(tenant.summary, to: &json)
                        }
                    }
                }
            }
            json.array("daily") { json in
                for day in report.days {
                    json.object { json in
                        json.field("date", day.date)
                        json.field("start", time(EpochMillis.seconds(day.start)))
                        json.field("runs", day.runs)
                        json.field("errors", day.errors)
                        json.field("records", day.records)
                        json.field("billing_records", day.billingRecords)
                        json.field("coverage_ratio", day.coverageRatio)
                    }
                }
            }
            json.array("flows") { json in
                for flow in report.flows {
                    json.object { json in
                        if !flow.tenant.isEmpty { json.field("tenant_id", flow.tenant) }
                        json.field("id", flow.id)
                        json.field("name", flow.name)
                        json.strings("tags", flow.tags)
                        json.field("deleted", flow.deleted)
                        summary(flow.summary, to: &json)
                    }
                }
            }
            if let billing = report.billing {
                json.object("billing") { json in
                    json.field("tier", billing.tier)
                    json.field("status", billing.status)
                    // The latest period's figures at the top, as before periods were known.
                    period(billing.current, to: &json)
                    json.array("periods") { json in
                        for item in billing.periods { json.object { period(item, to: &$0) } }
                    }
                }
            } else {
                json.field("billing", nil as String?)
            }
            json.array("agents") { json in
                for agent in report.agents {
                    json.object { json in
                        json.field("id", agent.id)
                        json.field("name", agent.name)
                        json.field("availability", agent.availability)
                        json.field("polls", agent.polls)
                    }
                }
            }
            json.array("sla") { json in
                for usage in report.sla {
                    let target = SLATarget(key: usage.targetKey)
                    json.object { json in
                        json.field("sla", usage.rule)
                        json.field("severity", usage.severity)
                        if !usage.tenant.isEmpty { json.field("tenant_id", usage.tenant) }
                        json.object("target") { json in
                            json.field("kind", target?.kind.rawValue ?? usage.targetKey)
                            json.field("id", target.flatMap { $0.kind == .tenant ? nil : $0.id })
                            json.field("name", usage.targetName)
                        }
                        json.field("breaches", usage.breaches)
                        json.field("breach_seconds", usage.breachSeconds)
                        json.field("longest_breach_seconds", usage.longestBreachSeconds)
                        json.field("compliance", usage.compliance)
                    }
                }
            }
        }
        return json.text + "\n"
    }

    private static func summary(_ summary: RunSummary, to json: inout ReportJSONWriter) {
        json.field("runs", summary.runs)
        json.object("runs_by_status") { json in
            for status in ["success", "warning", "error", "canceled", "unknown"] {
                json.field(status, summary.byStatus[status] ?? 0)
            }
        }
        json.field("success_ratio", summary.successRatio)
        json.object("duration_seconds") { json in
            json.field("total", summary.durationTotalSeconds)
            json.field("p50", summary.durationP50Seconds)
            json.field("p95", summary.durationP95Seconds)
            json.field("max", summary.durationMaxSeconds)
        }
        json.field("records", summary.records)
    }

    /// A billing period; bounds null where the API gave none (the calendar month was assumed).
    private static func period(_ period: BillingPeriod, to json: inout ReportJSONWriter) {
        json.field("period_start", period.start.map(time))
        json.field("period_end", period.end.map(time))
        json.field("period_complete", period.complete)
        json.field("allowance", period.allowance)
        json.field("records_used", period.recordsUsed)
        json.field("as_of", time(period.asOf))
        json.field("used_ratio", period.usedRatio)
        json.field("overage", period.overage)
        json.field("exhausted", period.exhausted)
        json.field("exhausted_at", period.exhaustedAt.map(time))
        json.field("projected_usage", period.projectedUsage)
        json.field("projected_ratio", period.projectedRatio)
    }

    private static func time(_ seconds: Double) -> String { UTCTime.format(seconds) }
}
