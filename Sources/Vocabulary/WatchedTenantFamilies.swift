import Exposition

/// The tenants one exporter watches (`etlworks.tenants`): which, and whether each is read.
/// Every per-tenant series carries `tenant_id`; these say what the ids are.
public enum WatchedTenantFamilies {
    public static let info = MetricDescriptor(
        "etlworks_tenant", .info, help: "A tenant this exporter watches, with its name (join on tenant_id).",
        labels: ["tenant_id", "tenant_name"])
    public static let up = MetricDescriptor(
        "etlworks_tenant_up", .gauge,
        help: "1 when the tenant's latest executions and flows polls succeeded (0: its switch refused, a 403, timeouts).",
        labels: ["tenant_id"])
    public static let count = MetricDescriptor("etlworks_tenants", .gauge, help: "How many tenants this exporter watches.")

    public static let all = [info, up, count]
}
