import Exposition

/// The families the agents collector fills.
public enum AgentFamilies {
    static let agent = ["agent_id", "agent_name"]

    public static let up = MetricDescriptor(
        "etlworks_agent_up", .gauge, help: "1 when the on-premise agent is online.", labels: agent,
        exposure: [.scraped, .stored])
    public static let state = MetricDescriptor(
        "etlworks_agent_state", .gauge,
        help: "1 on the agent's state (online, offline, stopped, suspended, unknown), 0 on the others.",
        labels: agent + ["state"])
    public static let lastSeen = MetricDescriptor(
        "etlworks_agent_last_seen_timestamp_seconds", .gauge, help: "The agent's last heartbeat.", labels: agent)
    public static let updaterUp = MetricDescriptor(
        "etlworks_agent_updater_up", .gauge, help: "1 when the agent's updater is running.", labels: agent)
    public static let info = MetricDescriptor(
        "etlworks_agent", .info, help: "Agent version and operating system.", labels: agent + ["version", "os"])

    public static let all = [up, state, lastSeen, updaterUp, info]
}
