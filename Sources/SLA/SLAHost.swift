import EtlworksAPI
import ExporterBase
import SLAStore
import Store

/// What the SLA engine judges and where it publishes: in the daemon, the exporter's live
/// state. A protocol, so the engine knows nothing of collectors, /health or metrics.
public protocol SLAHost: Sendable {
    /// What the collectors last saw.
    func slaObservations() async -> SLAObservations
    /// Publishes the latest evaluation (read by /metrics, /health and /api/v1/sla).
    func publishSLA(_ snapshot: SLASnapshot) async
    /// Whether SLA states could be written: nil when they could, else why not.
    func reportSLAStorage(failure: String?) async
}

/// The observed world one evaluation judges.
public struct SLAObservations: Sendable {
    public var flows: [FlowMetrics]
    /// Each flow's enabled schedules.
    public var schedules: [Int64: [FlowSchedule]]
    /// nil before the first agents poll: agent rules keep their state until then.
    public var agents: [Agent]?
    public var subscription: Subscription?
    /// Until when the last successful executions poll counts as fresh, epoch seconds (nil
    /// before the first one). Only evaluations on fresh polls count as observed time for
    /// compliance (`SLACompliance`).
    public var pollsFreshUntil: Double?

    /// Each flow's kind, as far as it is known.
    public var kinds: [Int64: FlowKind]
    /// What was seen of each streaming flow's stream.
    public var streams: [Int64: StreamStatus] = [:]
    /// Per flow with no stored success, when its own history says it last succeeded.
    public var lastSuccessLookedUp: [Int64: Double] = [:]

    public init(
        flows: [FlowMetrics], schedules: [Int64: [FlowSchedule]], agents: [Agent]?, subscription: Subscription?,
        pollsFreshUntil: Double? = nil, kinds: [Int64: FlowKind] = [:]
    ) {
        self.kinds = kinds
        self.flows = flows
        self.schedules = schedules
        self.agents = agents
        self.subscription = subscription
        self.pollsFreshUntil = pollsFreshUntil
    }
}
