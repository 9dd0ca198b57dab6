import Exposition

/// Runs pushed by Etlworks webhooks (`push:`): what arrived, what was refused, and which
/// source saw each completed run, so a team sees when deliveries are lost. Only served with
/// `push` configured.
public enum PushFamilies {
    public static let received = MetricDescriptor(
        "etlworks_push_events_received", .counter, help: "Webhook events accepted, by event type (Flow.Executed, …).",
        labels: ["event"])
    public static let rejected = MetricDescriptor(
        "etlworks_push_events_rejected", .counter,
        help: "Webhook calls refused: auth (wrong credentials), malformed, too_large (over 1 MiB), queue_full.",
        labels: ["reason"])
    public static let duplicates = MetricDescriptor(
        "etlworks_push_duplicates", .counter, help: "Webhook events dropped as already received (same event id within 24 h).")
    public static let lastEvent = MetricDescriptor(
        "etlworks_push_last_event_timestamp_seconds", .gauge, help: "When the latest webhook event was accepted.")
    public static let runs = MetricDescriptor(
        "etlworks_push_runs", .counter,
        help:
            "Completed runs by the source that saw them first (push or poll), and again under both when the other source saw them too.",
        labels: ["seen_by"])

    /// The reasons a webhook call is refused, as `etlworks_push_events_rejected_total` labels them.
    public enum Rejection: String, Sendable, CaseIterable {
        case auth, malformed
        case tooLarge = "too_large"
        case queueFull = "queue_full"
    }

    public static let all = [received, rejected, duplicates, lastEvent, runs]
}
