import EtlworksAPI
import ExporterBase
import Foundation
import SLAStore
import Store
import Vocabulary

/// `GET /api/v1/sla`: every rule and target now (`?state=breaching` keeps only breaches).
/// Times are RFC 3339, values in base units. Encoded by the server, decoded by
/// `sla status` and the tests.
public struct SLADocument: Codable, Sendable, Equatable {
    /// A configured rule.
    public struct Rule: Codable, Sendable, Equatable {
        public var name: String
        public var severity: String
        public var condition: String
        /// `flow`, `agent` or `tenant`.
        public var target: String
        public var forSeconds: Double

        enum CodingKeys: String, CodingKey {
            case name, severity, condition, target
            case forSeconds = "for_seconds"
        }
    }

    public var status = "success"
    public var rules: [Rule]
    public var results: [SLAResultEntry]
    /// How many results breach now (whatever `results` was filtered to).
    public var breaching: Int
    public var evaluatedAt: String?
    /// Exact, so that a check can recompute the same windows.
    public var evaluatedAtSeconds: Double?
    /// Maintenance windows active at the evaluation.
    public var maintenance: [Maintenance]

    /// An active maintenance window: no breach starts for the flows it covers.
    public struct Maintenance: Codable, Sendable, Equatable {
        public var name: String
        public var start: String
        public var end: String
    }

    enum CodingKeys: String, CodingKey {
        case status, rules, results, breaching, maintenance
        case evaluatedAt = "evaluated_at"
        case evaluatedAtSeconds = "evaluated_at_seconds"
    }

    public init(_ snapshot: SLASnapshot, onlyBreaching: Bool = false) {
        rules = snapshot.rules.map {
            Rule(
                name: $0.name, severity: $0.severity.rawValue, condition: $0.condition.key, target: $0.target.kind.rawValue,
                forSeconds: $0.holdFor)
        }
        results = (onlyBreaching ? snapshot.breaching : snapshot.results).map(SLAResultEntry.init)
        breaching = snapshot.breaching.count
        evaluatedAt = snapshot.evaluatedAt.map(UTCTime.format)
        evaluatedAtSeconds = snapshot.evaluatedAt
        maintenance = snapshot.maintenance.map {
            Maintenance(name: $0.name, start: UTCTime.format($0.start), end: UTCTime.format($0.end))
        }
    }
}

/// One rule and target now: in `/api/v1/sla` and in the `sla` section of /health.
public struct SLAResultEntry: Codable, Sendable, Equatable {
    public var sla: String
    public var severity: String
    public var condition: String
    public var target: SLATargetEntry
    /// `ok`, `pending` or `breaching`.
    public var state: String
    public var breachesTotal: Int64
    public var value: Double?
    public var threshold: Double?
    /// When the breach (or the pending condition) began.
    public var since: String?
    public var detail: String?
    public var compliance30d: Double?
    public var complianceMonth: Double?
    public var errorBudgetRemaining: Double?
    /// Objectives: burn rate per window label (`5m` … `3d`).
    public var burnRates: [String: Double]?
    public var projectedRatio: Double?
    /// With `etlworks.tenants`, the tenant whose target this is.
    public var tenantId: String?
    public var tenantName: String?

    enum CodingKeys: String, CodingKey {
        case sla, severity, condition, target, state, value, threshold, since, detail
        case tenantId = "tenant_id"
        case tenantName = "tenant_name"
        case breachesTotal = "breaches_total"
        case compliance30d = "compliance_30d"
        case complianceMonth = "compliance_month"
        case errorBudgetRemaining = "error_budget_remaining"
        case burnRates = "burn_rates"
        case projectedRatio = "projected_ratio"
    }

    public init(_ result: SLAResult) {
        let measurement = result.measurement
        sla = result.rule
        severity = result.severity.rawValue
        condition = result.condition
        target = SLATargetEntry(result.target)
        state = result.phase.rawValue
        breachesTotal = result.breachesTotal
        value = measurement.value.finite
        threshold = measurement.threshold.finite
        since = (result.breachStart ?? result.since).map(UTCTime.format)
        detail = result.phase != .ok ? measurement.detail : nil
        compliance30d = result.compliance30d.finite
        complianceMonth = result.complianceMonth.finite
        errorBudgetRemaining = measurement.errorBudgetRemaining.finite
        burnRates = measurement.burnRates.map { rates in
            var burn: [String: Double] = [:]
            for (index, rate) in rates.enumerated() where index < SLOBurnWindows.windows.count {
                if let rate = rate.finite { burn[SLOBurnWindows.windows[index].label] = rate }
            }
            return burn
        }
        projectedRatio = measurement.projectedRatio.finite
        tenantId = result.tenant?.id
        tenantName = result.tenant?.name
    }
}

/// What a rule judges: a flow, an agent or the tenant.
public struct SLATargetEntry: Codable, Sendable, Equatable {
    /// `flow`, `agent` or `tenant` (or a stored key the exporter no longer parses).
    public var kind: String
    public var id: Int64
    public var name: String

    public init(_ target: SLATarget) {
        kind = target.kind.rawValue
        id = target.id
        name = target.name
    }

    init(kind: String, id: Int64, name: String) {
        self.kind = kind
        self.id = id
        self.name = name
    }
}

/// `GET /api/v1/sla/history`: breach episodes overlapping [from, to].
public struct SLAHistoryDocument: Codable, Sendable, Equatable {
    public struct Episode: Codable, Sendable, Equatable {
        public var sla: String
        public var severity: String
        public var target: SLATargetEntry
        public var start: String
        public var end: String?
        public var durationSeconds: Double?
        public var peak: Double?
        public var threshold: Double?
        /// Found by replaying stored runs, before this exporter watched.
        public var replayed: Bool
        /// With `etlworks.tenants`, the tenant whose target breached.
        public var tenantId: String?

        enum CodingKeys: String, CodingKey {
            case sla, severity, target, start, end, peak, threshold, replayed
            case tenantId = "tenant_id"
            case durationSeconds = "duration_seconds"
        }

        init(_ episode: SLAEpisode) {
            sla = episode.rule
            severity = episode.severity
            target =
                SLATarget(key: episode.target).map { SLATargetEntry(kind: $0.kind.rawValue, id: $0.id, name: episode.targetName) }
                ?? SLATargetEntry(kind: episode.target, id: 0, name: episode.targetName)
            start = UTCTime.format(EpochMillis.seconds(episode.startMs))
            end = episode.endMs.map { UTCTime.format(EpochMillis.seconds($0)) }
            durationSeconds = episode.endMs.map { EpochMillis.seconds($0 - episode.startMs) }
            peak = episode.peak.finite
            threshold = episode.threshold.finite
            replayed = episode.replayed
            tenantId = episode.tenant.isEmpty ? nil : episode.tenant
        }
    }

    public var status = "success"
    public var from: String
    public var to: String
    public var episodes: [Episode]

    public init(_ episodes: [SLAEpisode], from: Double, to: Double) {
        self.from = UTCTime.format(from)
        self.to = UTCTime.format(to)
        self.episodes = episodes.map(Episode.init)
    }
}

extension Optional where Wrapped == Double {
    /// The value when it is finite (JSON has no NaN or infinity), else nil.
    fileprivate var finite: Double? { self.flatMap { $0.isFinite ? $0 : nil } }
}
