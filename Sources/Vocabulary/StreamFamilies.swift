import Exposition

/// Change-data-capture streams, from the running-tasks API: one series per streaming flow
/// whose stream has been read (`poll.streams`).
public enum StreamFamilies {
    public static let up = MetricDescriptor(
        "etlworks_stream_up", .gauge,
        help:
            "1 while a stream task of the flow's running run answers, 0 while the run is up but no stream task is. Absent while no run of the flow is running.",
        labels: FlowRunFamilies.flow)
    public static let latency = MetricDescriptor(
        "etlworks_stream_latency_seconds", .gauge,
        help: "The stream's latency as its task reports it (read in etlworks.stream_latency_unit). Only while up.",
        labels: FlowRunFamilies.flow)
    public static let recordsProcessed = MetricDescriptor(
        "etlworks_stream_records_processed", .counter,
        help:
            "Records the flow's streams have processed: the sum of the increases of their tasks' counters, across runs and task restarts.",
        labels: FlowRunFamilies.flow)
    public static let started = MetricDescriptor(
        "etlworks_stream_started_timestamp_seconds", .gauge,
        help: "When the flow's current stream task started.",
        labels: FlowRunFamilies.flow)
    public static let lastProgress = MetricDescriptor(
        "etlworks_stream_last_progress_timestamp_seconds", .gauge,
        help: "When the flow's stream last processed records (its counter grew).",
        labels: FlowRunFamilies.flow)

    public static let all = [up, latency, recordsProcessed, started, lastProgress]
}
