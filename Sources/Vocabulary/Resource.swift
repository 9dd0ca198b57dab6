/// The resources the exporter polls, each with its own collector and interval.
public enum Resource: String, Sendable, CaseIterable, Comparable {
    case executions, flows, summary, agents, billing, health, schedules
    case instanceHealth = "instance_health"
    case streams

    public static func < (lhs: Resource, rhs: Resource) -> Bool { lhs.rawValue < rhs.rawValue }
}
