import Exposition

/// The families the billing collector fills. Usage is stored as a counter: it restarts every
/// period, so its stored increase is reset-aware.
public enum BillingFamilies {
    public static let recordsUsed = MetricDescriptor(
        "etlworks_billing_records_used", .gauge,
        help: "Records processed in the current billing month or day, as the API reports.", labels: ["period"],
        exposure: [.scraped, .stored])
    public static let recordsAllowance = MetricDescriptor(
        "etlworks_billing_records_allowance", .gauge, help: "The plan's maximum records per month or day.",
        labels: ["period"], exposure: [.scraped, .stored])
    public static let seatsUsed = MetricDescriptor(
        "etlworks_billing_seats_used", .gauge, help: "Seats of the subscription in use.")
    public static let seatsLimit = MetricDescriptor(
        "etlworks_billing_seats_limit", .gauge, help: "Seats the subscription allows.")
    /// Stored too, so that the usage report follows the billing periods, not calendar months.
    public static let periodStart = MetricDescriptor(
        "etlworks_billing_period_start_timestamp_seconds", .gauge, help: "Start of the current billing period.",
        exposure: [.scraped, .stored])
    public static let periodEnd = MetricDescriptor(
        "etlworks_billing_period_end_timestamp_seconds", .gauge, help: "End of the current billing period.",
        exposure: [.scraped, .stored])
    /// Stored too, under its base name, so that a report can name the tier of a past month.
    public static let subscription = MetricDescriptor(
        "etlworks_billing_subscription", .info, help: "Subscription tier and status.", labels: ["tier", "status"],
        exposure: [.scraped, .stored])

    public static let all = [recordsUsed, recordsAllowance, seatsUsed, seatsLimit, periodStart, periodEnd, subscription]
}
