import Exposition
import Store

/// A flow's metrics with its `flow_id`/`flow_name` labels rendered once.
public struct FlowSeries: Sendable {
    public var metrics: FlowMetrics
    public var labels: LabelSet

    public init(metrics: FlowMetrics, labels: LabelSet) {
        self.metrics = metrics
        self.labels = labels
    }
}
