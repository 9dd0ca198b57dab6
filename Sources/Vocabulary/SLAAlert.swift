import EtlworksAPI

/// A breach as notifications carry it: started (`endsAt` nil) or resolved.
public struct SLAAlert: Sendable, Equatable {
    public var rule: String
    public var severity: SLASeverity
    public var condition: String
    public var target: SLATarget
    public var value: Double?
    public var threshold: Double?
    public var detail: String?
    /// Epoch seconds.
    public var startsAt: Double
    public var endsAt: Double?
    public var labels: [String: String]
    public var annotations: [String: String]
    /// The tenant whose target breached; nil without `etlworks.tenants`.
    public var tenant: Tenant?

    public init(
        rule: String, severity: SLASeverity, condition: String, target: SLATarget, value: Double?, threshold: Double?,
        detail: String?, startsAt: Double, endsAt: Double?, labels: [String: String], annotations: [String: String],
        tenant: Tenant? = nil
    ) {
        self.tenant = tenant
        self.rule = rule
        self.severity = severity
        self.condition = condition
        self.target = target
        self.value = value
        self.threshold = threshold
        self.detail = detail
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.labels = labels
        self.annotations = annotations
    }

    public var isResolved: Bool { endsAt != nil }

    /// Whether `other` is the same breach: the same rule and target, in the same tenant.
    public func isSameBreach(as other: SLAAlert) -> Bool {
        rule == other.rule && target == other.target && tenant == other.tenant
    }

    /// The target for people, with its tenant: `flow orders in tenant 2 (two)`.
    public var targetLabel: String { target.label(in: tenant) }
}

/// Where the engine hands breaches after each evaluation. Must return at once: delivery
/// happens elsewhere, so a slow receiver never delays polling.
public protocol SLAAlertSink: Sendable {
    /// `changes`: breaches that began or ended in this evaluation; `active`: every breach of
    /// `tenant` now (each watched tenant's rules are evaluated apart; nil without tenants).
    func deliver(changes: [SLAAlert], active: [SLAAlert], tenant: Tenant?) async
}

extension SLAAlertSink {
    /// Breaches of an exporter watching one tenant.
    public func deliver(changes: [SLAAlert], active: [SLAAlert]) async {
        await deliver(changes: changes, active: active, tenant: nil)
    }
}
