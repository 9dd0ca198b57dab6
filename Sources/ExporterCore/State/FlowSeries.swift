import ExporterBase
import Exposition
import Store

/// A flow's metrics with the labels of its series rendered once: `flow_id` and `flow_name`,
/// or `flow_id` alone when `metrics.flow_name_label` is false.
public struct FlowSeries: Sendable {
    public var metrics: FlowMetrics
    public var labels: LabelSet
    /// Whether the flow has per-flow series (`metrics.flows.include`/`exclude`).
    public var exported: Bool
    /// What the flow is; nil until it is known (schedules not read yet, no stream seen).
    public var kind: FlowKind?

    public init(metrics: FlowMetrics, labels: LabelSet, exported: Bool = true) {
        self.metrics = metrics
        self.labels = labels
        self.exported = exported
    }
}
