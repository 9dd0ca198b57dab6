import Exposition

/// What each flow is expected to do, from its schedules and its own history: the families
/// alert rules judge a flow against (staleness by its own cadence, a stuck run by its own
/// run time), filled from the schedules poll and the stored runs.
public enum FlowExpectationFamilies {
    public static let scheduleInterval = MetricDescriptor(
        "etlworks_flow_schedule_interval_seconds", .gauge,
        help:
            "The most frequent gap between firings of the flow's enabled schedules (3600 for hourly cron, 86400 for weekdays at 06:00, 604800 for weekly). Only for flows with an enabled schedule.",
        labels: FlowRunFamilies.flow)
    public static let nextScheduledRun = MetricDescriptor(
        "etlworks_flow_next_scheduled_run_timestamp_seconds", .gauge,
        help: "When the flow's enabled cron schedules fire next (a schedule given as an interval has no fixed clock).",
        labels: FlowRunFamilies.flow)
    public static let expectedDuration = MetricDescriptor(
        "etlworks_flow_expected_duration_seconds", .gauge,
        help:
            "How long a run of the flow is expected to take: its schedule's expected time when given, else the nearest-rank p95 of its run times over the last 30 days when it has at least 5 completed runs.",
        labels: FlowRunFamilies.flow)

    public static let all = [scheduleInterval, nextScheduledRun, expectedDuration]
}
