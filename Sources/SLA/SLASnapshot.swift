import EtlworksAPI
import Exposition
import Foundation
import Vocabulary

/// The latest SLA evaluation, as metrics, /health, the API and the /sla page show it.
public struct SLASnapshot: Sendable {
    /// When the latest evaluation ran, epoch seconds; nil before the first.
    public var evaluatedAt: Double?
    /// How long it took, seconds.
    public var evaluationSeconds: Double?
    /// One result per rule and target, by rule order then target.
    public var results: [SLAResult] = []
    public var rules: [SLARule] = []
    /// How breaches set the /health status.
    public var healthPolicy = SLAHealthPolicy()
    /// Why rules are not being evaluated (their state could not be loaded), if so.
    public var problem: String?
    /// The replay of stored runs at start: running, then done (nil before it begins).
    public var replay: ReplayPhase?
    /// Maintenance windows active at the evaluation.
    public var maintenance: [SLAMaintenanceEntry] = []
    /// The tenant whose rules these are; nil without `etlworks.tenants`.
    public var tenant: Tenant?

    public enum ReplayPhase: String, Sendable { case running, done }

    public init() {}

    /// Results breaching now, critical first.
    public var breaching: [SLAResult] {
        results.filter { $0.phase == .breaching }.sorted {
            ($0.severity, $1.breachStart ?? 0) > ($1.severity, $0.breachStart ?? 0)
        }
    }
}

/// One rule evaluated for one target.
public struct SLAResult: Sendable {
    public enum Phase: String, Sendable { case ok, pending, breaching }

    public var rule: String
    public var severity: SLASeverity
    public var condition: String
    public var target: SLATarget
    public var phase: Phase
    /// When the condition started holding (pending or breaching).
    public var since: Double?
    public var breachStart: Double?
    public var measurement: SLAMeasurement
    public var breachesTotal: Int64
    public var compliance30d: Double?
    public var complianceMonth: Double?
    /// `sla`, the target's labels and `severity`, built once per target and name (a tenant's
    /// `tenant_id` is added by the exposition of its part).
    public var labels: LabelSet
    /// The tenant whose target this is; nil without `etlworks.tenants`.
    public var tenant: Tenant?

    /// The target for people, with its tenant: `flow orders in tenant 2 (two)`.
    public var targetLabel: String { target.label(in: tenant) }
}
