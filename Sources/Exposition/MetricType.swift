/// The type of a metric family.
public enum MetricType: String, Sendable {
    case counter, gauge, histogram
    /// Exposed as `info` in OpenMetrics and as a gauge of value 1 in the text format.
    case info
}
