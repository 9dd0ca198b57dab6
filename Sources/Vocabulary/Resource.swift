/// The resources the exporter polls, each with its own collector and interval.
public enum Resource: String, Sendable, CaseIterable, Comparable {
    case executions, flows, summary, agents, billing, health, schedules
    case instanceHealth = "instance_health"
    case streams
    /// Flows' own histories, read once per flow for `max_since_success` (`sla.lookback`).
    case lookback

    /// Polled only where something needs it (rules): listed in metrics and /health only when
    /// the exporter polls it.
    public var isPolledOnDemand: Bool { self == .schedules || self == .lookback }

    public static func < (lhs: Resource, rhs: Resource) -> Bool { lhs.rawValue < rhs.rawValue }
}
