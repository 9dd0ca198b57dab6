import EtlworksAPI
import ExporterBase
import Foundation
import Store
import Vocabulary

/// One SLA rule from the `sla:` section: which targets it covers, the condition each must
/// meet, and what a breach means.
public struct SLARule: Sendable, Equatable {
    public var name: String
    public var target: SLATargetSelector
    public var condition: SLACondition
    public var severity: SLASeverity
    /// How long the condition must hold before the target breaches, seconds.
    public var holdFor: Double
    /// Added to notifications (Alertmanager labels, webhook bodies).
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Which `etlworks_sla_*` series `/metrics` carries for the rule's targets.
    public var export = Export.full
    /// With `etlworks.tenants`, the tenants the rule judges: an entry matches a tenant whose id
    /// it is, or whose name it matches as a pattern. Empty: every tenant.
    public var tenants: [Glob] = []

    public enum Export: String, Sendable {
        /// Every family: breach, pending, value, threshold, compliance, …
        case full
        /// `etlworks_sla_breach` and `etlworks_sla_breaches_total` only (`export: breach_only`).
        case breachOnly = "breach_only"
    }

    public init(
        name: String, target: SLATargetSelector, condition: SLACondition, severity: SLASeverity = .warning,
        holdFor: Double = 0, labels: [String: String] = [:], annotations: [String: String] = [:]
    ) {
        self.name = name
        self.target = target
        self.condition = condition
        self.severity = severity
        self.holdFor = holdFor
        self.labels = labels
        self.annotations = annotations
    }
}

extension SLARule {
    /// How long the condition must hold before a target breaches, seconds: `for`, plus
    /// `agent_offline`'s own time offline.
    public var breachesAfter: Double {
        if case .agentOffline(let offline) = condition { return holdFor + offline }
        return holdFor
    }

    /// Whether the rule judges `flow`, of `kind` (nil while unknown): its selector picks it,
    /// and its condition fits the kind. A run time, a freshness or an objective means nothing
    /// for a stream that runs until stopped, and a schedule missed only for a scheduled flow;
    /// a rule that names `kinds` judges the kinds it names whatever its condition.
    public func judges(_ flow: FlowRecord, kind: FlowKind?) -> Bool {
        guard case .flows(let selector) = target, selector.matches(flow, kind: kind) else { return false }
        return !selector.kinds.isEmpty || condition.fits(kind)
    }

    /// Whether the rule judges `tenant`'s flows, agents or billing (`tenants:`).
    public func covers(_ tenant: Tenant) -> Bool {
        tenants.isEmpty || tenants.contains { $0.description == tenant.id || $0.matches(tenant.name) }
    }

    /// Whether the rule reads flow schedules (`/v1/schedules` is then polled).
    public var needsSchedules: Bool {
        switch condition {
        case .maxDuration(nil), .missedSchedule: return true
        default: return false
        }
    }
}
