import Exposition

/// The families the executions collector fills: per-flow run counts, run times, records, and
/// the runs executing or waiting now. Stored history keeps them by `flow_id` alone.
public enum FlowRunFamilies {
    static let flow = ["flow_id", "flow_name"]

    public static let runs = MetricDescriptor(
        "etlworks_flow_runs", .counter, help: "Completed runs of the flow by final status.", labels: flow + ["status"],
        exposure: [.scraped, .stored])
    public static let runDuration = MetricDescriptor(
        "etlworks_flow_run_duration_seconds", .histogram, help: "Run time of completed runs (start to end).", labels: flow,
        exposure: [.scraped, .stored])
    public static let recordsProcessed = MetricDescriptor(
        "etlworks_flow_records_processed", .counter, help: "Records processed by completed runs.", labels: flow,
        exposure: [.scraped, .stored])
    public static let lastRunDuration = MetricDescriptor(
        "etlworks_flow_last_run_duration_seconds", .gauge, help: "Run time of the most recently ended run.", labels: flow)
    public static let lastRunEnd = MetricDescriptor(
        "etlworks_flow_last_run_end_timestamp_seconds", .gauge, help: "When the most recently ended run ended.", labels: flow)
    public static let lastSuccess = MetricDescriptor(
        "etlworks_flow_last_success_timestamp_seconds", .gauge, help: "When the most recent successful run ended.",
        labels: flow)
    public static let lastRunStatus = MetricDescriptor(
        "etlworks_flow_last_run_status", .gauge,
        help: "Status of the most recently ended run: 1 on the current status, 0 on the others.", labels: flow + ["status"])
    public static let runningRuns = MetricDescriptor(
        "etlworks_flow_running_runs", .gauge, help: "Runs of the flow executing now.", labels: flow,
        exposure: [.scraped, .stored])
    public static let queuedRuns = MetricDescriptor(
        "etlworks_flow_queued_runs", .gauge, help: "Runs of the flow waiting to start.", labels: flow,
        exposure: [.scraped, .stored])
    public static let stoppingRuns = MetricDescriptor(
        "etlworks_flow_stopping_runs", .gauge,
        help: "Runs of the flow shown canceled whose final status has not settled yet (stopping).", labels: flow)
    public static let retryRuns = MetricDescriptor(
        "etlworks_flow_retry_runs", .counter, help: "Completed runs that were automatic retries of a failed run.",
        labels: flow)
    public static let manualRuns = MetricDescriptor(
        "etlworks_flow_manual_runs", .counter, help: "Completed runs not started by the scheduler.", labels: flow)
    public static let oldestRunningStart = MetricDescriptor(
        "etlworks_flow_oldest_running_start_timestamp_seconds", .gauge,
        help: "Start of the oldest run still executing; absent when none runs.", labels: flow)

    public static let all = [
        runs, runDuration, recordsProcessed, lastRunDuration, lastRunEnd, lastSuccess, lastRunStatus, runningRuns, queuedRuns,
        stoppingRuns, retryRuns, manualRuns, oldestRunningStart
    ]
}
