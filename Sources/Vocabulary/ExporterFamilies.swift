import Exposition

/// The exporter's own families: polls (the polling service), API requests (the client),
/// the store, web authentication and the build.
public enum ExporterFamilies {
    public static let up = MetricDescriptor("etlworks_up", .gauge, help: "1 when the Etlworks API answered the latest poll.")
    public static let polls = MetricDescriptor(
        "etlworks_exporter_polls", .counter, help: "Polls of each resource by result (success or error).",
        labels: ["resource", "result"])
    public static let pollSuccess = MetricDescriptor(
        "etlworks_exporter_poll_success", .gauge, help: "1 when the latest poll of the resource succeeded, else 0.",
        labels: ["resource"], exposure: .stored)
    public static let pollDuration = MetricDescriptor(
        "etlworks_exporter_poll_duration_seconds", .gauge, help: "How long the latest poll of each resource took.",
        labels: ["resource"], exposure: [.scraped, .stored])
    public static let lastPollSuccess = MetricDescriptor(
        "etlworks_exporter_last_poll_success_timestamp_seconds", .gauge, help: "When each resource was last polled successfully.",
        labels: ["resource"])
    public static let skippedRecords = MetricDescriptor(
        "etlworks_exporter_skipped_records", .counter, help: "Records in API answers that could not be decoded and were skipped.",
        labels: ["resource"])
    public static let unrecognizedAnswers = MetricDescriptor(
        "etlworks_exporter_unrecognized_answers", .counter,
        help: "API answers that decoded but held none of the fields expected of them (a shape nobody published).",
        labels: ["resource"])
    public static let apiRequests = MetricDescriptor(
        "etlworks_exporter_api_requests", .counter,
        help: "HTTP requests to the Etlworks API by endpoint template and status code (error: no answer).",
        labels: ["endpoint", "code"])
    public static let apiRequestDuration = MetricDescriptor(
        "etlworks_exporter_api_request_duration_seconds", .histogram,
        help: "How long HTTP requests to the Etlworks API took, by endpoint template (waits for the rate limit excluded).",
        labels: ["endpoint"])
    public static let executionsSource = MetricDescriptor(
        "etlworks_exporter_executions_source", .gauge,
        help: "1 on the source executions are read from: metrics (admin endpoint) or history (per-flow fallback).",
        labels: ["source"])
    public static let flowsOverLimit = MetricDescriptor(
        "etlworks_exporter_flows_over_limit", .gauge,
        help: "Flows left without per-flow series because more than metrics.max_flows would be exported.")
    public static let storeSize = MetricDescriptor(
        "etlworks_exporter_store_size_bytes", .gauge, help: "Size of the SQLite database, WAL included.")
    public static let storeUp = MetricDescriptor(
        "etlworks_exporter_store_up", .gauge, help: "1 when the latest database write succeeded.")
    public static let authFailures = MetricDescriptor(
        "etlworks_exporter_http_auth_failures", .counter,
        help: "HTTP requests refused for missing or wrong basic-auth credentials (web.config_file).")
    public static let start = MetricDescriptor(
        "etlworks_exporter_start_timestamp_seconds", .gauge, help: "When the exporter started.")
    public static let build = MetricDescriptor(
        "etlworks_exporter_build", .info, help: "Version and revision of the exporter.", labels: ["version", "revision"])

    public static let all = [
        up, polls, pollSuccess, pollDuration, lastPollSuccess, skippedRecords, unrecognizedAnswers, apiRequests,
        apiRequestDuration,
        executionsSource, flowsOverLimit,
        storeSize, storeUp,
        authFailures, start, build
    ]
}
