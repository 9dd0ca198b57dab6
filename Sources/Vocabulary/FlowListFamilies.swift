import Exposition

/// The families the flow-list collector fills: each flow's metadata and tags, and how many
/// flows there are (stored only).
public enum FlowListFamilies {
    public static let info = MetricDescriptor(
        "etlworks_flow_info", .gauge,
        help:
            "Flow metadata: type, kind (streaming, scheduled, unscheduled, or unknown before schedules are read) and tags (comma-separated, with leading and trailing commas for regex matching). Always 1.",
        labels: FlowRunFamilies.flow + ["flow_type", "kind", "tags"])
    public static let tagInfo = MetricDescriptor(
        "etlworks_flow_tag_info", .gauge, help: "One series per tag of the flow. Always 1.",
        labels: FlowRunFamilies.flow + ["tag"])
    public static let flows = MetricDescriptor(
        "etlworks_flows", .gauge, help: "Flows in the latest flow list.", exposure: .stored)

    public static let all = [info, tagInfo, flows]
}
