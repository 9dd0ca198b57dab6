import Exposition

/// The families the health collector fills.
public enum InstanceFamilies {
    public static let up = MetricDescriptor(
        "etlworks_instance_up", .gauge, help: "1 when /v1/system/health reports the instance UP.",
        exposure: [.scraped, .stored])
    public static let info = MetricDescriptor(
        "etlworks_instance", .info, help: "Version and deployment mode of the Etlworks instance.",
        labels: ["version", "build", "deployment_mode"])

    public static let all = [up, info]
}
