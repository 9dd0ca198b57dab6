import Exposition

/// The families the summary collector fills: the tenant's trailing-window figures.
public enum TenantFamilies {
    public static let window = MetricDescriptor(
        "etlworks_tenant_window_seconds", .gauge, help: "Length of the trailing window the etlworks_tenant_* figures cover.")
    public static let runs = MetricDescriptor(
        "etlworks_tenant_runs", .gauge, help: "Runs in the trailing window by status, from the API's executions summary.",
        labels: ["status"], exposure: [.scraped, .stored])
    public static let successRatio = MetricDescriptor(
        "etlworks_tenant_success_ratio", .gauge, help: "Share of successful runs in the window (0-1).",
        exposure: [.scraped, .stored])
    public static let averageDuration = MetricDescriptor(
        "etlworks_tenant_run_duration_average_seconds", .gauge, help: "Average run time in the window.",
        exposure: [.scraped, .stored])
    public static let maxDuration = MetricDescriptor(
        "etlworks_tenant_run_duration_max_seconds", .gauge, help: "Longest run time in the window.",
        exposure: [.scraped, .stored])
    public static let recordsProcessed = MetricDescriptor(
        "etlworks_tenant_records_processed", .gauge, help: "Records processed in the window.", exposure: [.scraped, .stored])

    public static let all = [window, runs, successRatio, averageDuration, maxDuration, recordsProcessed]
}
