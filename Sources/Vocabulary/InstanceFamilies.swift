import Exposition

/// The families the health collectors fill: liveness and identity from `/rest/v1/system/*`,
/// node health from the root `/health` (with `node` only when several nodes answer).
public enum InstanceFamilies {
    public static let up = MetricDescriptor(
        "etlworks_instance_up", .gauge, help: "1 when /v1/system/health answers 2xx.",
        exposure: [.scraped, .stored])
    public static let componentUp = MetricDescriptor(
        "etlworks_instance_component_up", .gauge, help: "1 when the component (db, disk, redis, ...) of /health reports UP.",
        labels: ["node", "component"])
    public static let runningFlows = MetricDescriptor(
        "etlworks_instance_running_flows", .gauge, help: "Flows running on the node, from /health.", labels: ["node"])
    public static let diskFree = MetricDescriptor(
        "etlworks_instance_disk_free_bytes", .gauge, help: "Free bytes of the disk, from /health.", labels: ["node", "disk"])
    public static let diskTotal = MetricDescriptor(
        "etlworks_instance_disk_total_bytes", .gauge, help: "Size of the disk in bytes, from /health.",
        labels: ["node", "disk"])
    public static let heapUsed = MetricDescriptor(
        "etlworks_instance_heap_used_bytes", .gauge, help: "JVM heap in use, bytes, from /health.", labels: ["node"])
    public static let heapMax = MetricDescriptor(
        "etlworks_instance_heap_max_bytes", .gauge, help: "JVM heap available, bytes, from /health.", labels: ["node"])
    public static let systemLoad = MetricDescriptor(
        "etlworks_instance_system_load", .gauge, help: "System load average of the node, from /health.", labels: ["node"])
    public static let info = MetricDescriptor(
        "etlworks_instance", .info, help: "Version and deployment mode of the Etlworks instance.",
        labels: ["version", "build", "deployment_mode"])

    public static let all = [up, info, componentUp, runningFlows, diskFree, diskTotal, heapUsed, heapMax, systemLoad]
}
