import EtlworksAPI
import ExporterBase
import Foundation
import SLAStore

/// A month of usage: runs, flows, billing, agents and SLA, with how much of the month the
/// stored data covers. Built by `UsageReportBuilder`, written by the format writers.
public struct UsageReport: Sendable {
    public var month: ReportMonth
    public var generatedAt: Double
    /// The end of what the report covers: the month's end, or now for the current month.
    public var periodEnd: Int64
    public var coverage: ReportCoverage
    public var tenant = RunSummary()
    /// Each tenant watched (`etlworks.tenants`); empty without tenants.
    public var tenants: [TenantUsage] = []
    public var days: [Day] = []
    public var flows: [FlowUsage] = []
    public var billing: BillingUsage?
    public var agents: [AgentAvailability] = []
    public var sla: [SLAUsage] = []

    /// Whether the month is over.
    public var complete: Bool { periodEnd >= month.end }
    /// Whether anything at all is stored for the month.
    public var hasData: Bool {
        tenant.runs > 0 || coverage.firstSample != nil || billing != nil || !agents.isEmpty || !sla.isEmpty
    }

    /// What a reader must know before trusting the figures, in every format.
    public var notes: [String] {
        var notes: [String] = []
        if !hasData { notes.append("No data is stored for \(month.label): this report is empty.") }
        if periodEnd <= month.start {
            notes.append("\(month.label) has not started yet.")
        } else if !complete {
            notes.append("\(month.label) is not over: figures run to \(UTCTime.format(EpochMillis.seconds(periodEnd))).")
        }
        let span = complete ? "month" : "month so far"
        if hasData && coverage.runsRatio < 1 {
            if let from = coverage.runsFrom, let to = coverage.runsTo {
                notes.append(
                    "Runs are counted exactly from \(UTCTime.format(from)) to \(UTCTime.format(to)), "
                        + "\(ReportNumber.percent(coverage.runsRatio)) of the \(span); the exporter read no runs of the rest.")
            } else {
                notes.append("No runs of the \(span) were read: run figures are missing, not zero.")
            }
        }
        if hasData && coverage.ratio < 1 {
            var note = "Sampled series (billing, agents, SLA) cover \(ReportNumber.percent(coverage.ratio)) of the \(span)"
            if let first = coverage.firstSample, let last = coverage.lastSample {
                note += " (first sample \(UTCTime.format(first)), last \(UTCTime.format(last)))"
            }
            notes.append(note + "; their figures for the uncovered time are missing, not zero.")
        }
        if !tenants.isEmpty {
            notes.append(
                "Runs and flows are reported per tenant; billing is not (each tenant's is in /metrics, etlworks_billing_* by tenant_id)."
            )
        }
        return notes
    }

    public struct Day: Sendable, Equatable {
        public var date: String
        public var start: Int64
        public var runs: Int64 = 0
        public var errors: Int64 = 0
        public var records: Int64 = 0
        /// Growth of the billing usage counter that day; nil without billing samples.
        public var billingRecords: Double?
        public var coverageRatio: Double = 0
    }

    public struct TenantUsage: Sendable, Equatable {
        public var id: String
        public var name: String
        public var summary: RunSummary
    }

    public struct FlowUsage: Sendable, Equatable {
        /// Its tenant's id ('' without tenants).
        public var tenant: String = ""
        public var id: Int64
        public var name: String
        public var tags: [String]
        public var deleted: Bool
        public var summary: RunSummary
    }

    public struct AgentAvailability: Sendable, Equatable {
        public var id: String
        public var name: String
        /// Polls that saw the agent online over polls that saw it at all.
        public var availability: Double
        public var polls: Int64
    }

    public struct SLAUsage: Sendable, Equatable {
        public var rule: String
        public var severity: String
        /// The tenant whose target breached ('' without `etlworks.tenants`).
        public var tenant: String
        public var targetKey: String
        public var targetName: String
        public var breaches: Int
        public var breachSeconds: Double
        public var longestBreachSeconds: Double
        /// `SLACompliance` over the period: the share of observed time not breaching (nil
        /// when no time of the period was observed).
        public var compliance: Double?
    }
}

extension UsageReport {
    /// The report in `format`; CSV holds one `table`.
    public func rendered(as format: UsageReportFormat, table: UsageReportTable = .tenant) -> String {
        switch format {
        case .json: return UsageReportJSON.render(self)
        case .csv: return UsageReportCSV.render(self, table: table)
        case .markdown: return UsageReportMarkdown.render(self)
        case .html: return UsageReportHTML.render(self)
        }
    }
}
