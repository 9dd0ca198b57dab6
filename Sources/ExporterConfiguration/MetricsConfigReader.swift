import ExporterBase
import Exposition
import SLA
import Store
import Yams

/// What `/metrics` exports (`metrics:`).
public struct MetricsSettings: Sendable, Equatable {
    /// Families not exported, by their descriptor name (without `_total` or `_info`).
    public var disabled: Set<String> = []
    /// Flows with per-flow series (`metrics.flows.include`); nil: every flow.
    public var includedFlows: FlowSelector?
    /// Flows without per-flow series (`metrics.flows.exclude`), even when included.
    public var excludedFlows: FlowSelector?
    /// The run-duration histogram's bounds (`metrics.duration_buckets`).
    public var durationBuckets = DurationBuckets.standard
    /// Whether per-flow series carry `flow_name` (`metrics.flow_name_label`); when false, the
    /// default, only `etlworks_flow_info` does: a rename keeps every series, and a flow costs
    /// fewer bytes.
    public var flowNameLabel = false
    /// The schema of the native run-duration histograms served over protocol buffers
    /// (`metrics.native_histogram_schema`, or from `metrics.native_histogram_bucket_factor`).
    public var nativeHistogramSchema = NativeHistogram.defaultSchema
    /// Whether the protocol-buffer format keeps the classic buckets beside the native ones
    /// (`metrics.classic_histograms`); the text formats always have them.
    public var classicHistograms = true
    /// Which series of `etlworks_flow_last_run_status` are exported (`metrics.status_series`).
    public var statusSeries = StatusSeries.all
    /// The most flows with per-flow series, over all tenants (`metrics.max_flows`).
    public var maxFlows = 20_000

    public enum StatusSeries: String, Sendable, Equatable, CaseIterable {
        /// One per status, 1 on the latest run's: `== 1` selects it, and a change is seen at once.
        case all
        /// Only the latest run's status, valued 1: a fifth of the series.
        case current
    }

    public init() {}

    /// Whether `flow` gets per-flow series.
    public func exports(_ flow: FlowRecord) -> Bool {
        (includedFlows?.matches(flow) ?? true) && !(excludedFlows?.matches(flow) ?? false)
    }
}

extension ConfigNodeReader {
    private static let metricsKeys =
        "disable, flows, duration_buckets, flow_name_label, status_series, native_histogram_schema, native_histogram_bucket_factor, classic_histograms, max_flows"

    /// Reads `metrics:`. `families` maps every name a user may write for a family (with and
    /// without `_total`/`_info`) to its descriptor name; an unknown name is an issue listing
    /// the known ones.
    mutating func metricsSettings(_ node: Node, families: [String: String]) -> MetricsSettings {
        var settings = MetricsSettings()
        if isNull(node) { return settings }
        guard let mapping = node.mapping else {
            issue("metrics", node, "must be a mapping of \(Self.metricsKeys)")
            return settings
        }
        for (key, value) in mapping {
            switch key.string {
            case "disable": settings.disabled = disabledFamilies(value, families: families)
            case "flows": (settings.includedFlows, settings.excludedFlows) = flowFilter(value)
            case "duration_buckets":
                if let buckets = durationBuckets(value) { settings.durationBuckets = buckets }
            case "flow_name_label":
                if let flag = boolean(value, key: "metrics.flow_name_label") { settings.flowNameLabel = flag }
            case "native_histogram_schema":
                let range = NativeHistogram.schemas
                if let text = scalar(value), let schema = Int(text), range.contains(schema) {
                    settings.nativeHistogramSchema = schema
                } else {
                    issue(
                        "metrics.native_histogram_schema", value,
                        "'\(value.string ?? "")' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                if mapping["native_histogram_bucket_factor"] != nil {
                    issue(
                        "metrics.native_histogram_schema", value,
                        "give either native_histogram_schema or native_histogram_bucket_factor")
                }
            case "native_histogram_bucket_factor":
                if let factor = number(value, key: "metrics.native_histogram_bucket_factor", open: 1...65536, inclusive: false) {
                    settings.nativeHistogramSchema = NativeHistogram.schema(forFactor: factor)
                }
            case "max_flows":
                if let text = scalar(value), let count = Int(text), (1...1_000_000).contains(count) {
                    settings.maxFlows = count
                } else {
                    issue("metrics.max_flows", value, "'\(value.string ?? "")' is not a whole number from 1 to 1000000")
                }
            case "classic_histograms":
                if let flag = boolean(value, key: "metrics.classic_histograms") { settings.classicHistograms = flag }
            case "status_series":
                let choices = MetricsSettings.StatusSeries.allCases.map(\.rawValue)
                if let text = scalar(value), let choice = MetricsSettings.StatusSeries(rawValue: text) {
                    settings.statusSeries = choice
                } else {
                    issue(
                        "metrics.status_series", value,
                        "'\(value.string ?? "")' is not one of \(choices.joined(separator: ", "))")
                }
            default: issue("metrics.\(key.string ?? "")", key, "unknown key (expected \(Self.metricsKeys))")
            }
        }
        return settings
    }

    private mutating func disabledFamilies(_ node: Node, families: [String: String]) -> Set<String> {
        var disabled: Set<String> = []
        for item in list(node, key: "metrics.disable") {
            guard let name = scalar(item) else {
                issue("metrics.disable", item, "must be a list of metric names")
                continue
            }
            guard let family = families[name] else {
                let known = Set(families.values).sorted().joined(separator: ", ")
                issue("metrics.disable", item, "'\(name)' is not a metric of this exporter (known: \(known))")
                continue
            }
            disabled.insert(family)
        }
        return disabled
    }

    private mutating func flowFilter(_ node: Node) -> (include: FlowSelector?, exclude: FlowSelector?) {
        guard let mapping = node.mapping else {
            issue("metrics.flows", node, "must be a mapping of include and exclude")
            return (nil, nil)
        }
        var filter: (include: FlowSelector?, exclude: FlowSelector?) = (nil, nil)
        for (key, value) in mapping {
            switch key.string {
            case "include": filter.include = flowSelector(value, key: "metrics.flows.include")
            case "exclude": filter.exclude = flowSelector(value, key: "metrics.flows.exclude")
            default: issue("metrics.flows.\(key.string ?? "")", key, "unknown key (expected include, exclude)")
            }
        }
        return filter
    }

    private mutating func durationBuckets(_ node: Node) -> DurationBuckets? {
        let key = "metrics.duration_buckets"
        guard case .sequence = node else {
            issue(key, node, "must be a list of bucket bounds in seconds, e.g. [10, 60, 300, 1800, 3600]")
            return nil
        }
        var bounds: [Double] = []
        for item in list(node, key: key) {
            guard let text = scalar(item), let value = Double(text), value.isFinite, value > 0 else {
                issue(key, item, "'\(item.string ?? "")' is not a positive number of seconds")
                return nil
            }
            if let last = bounds.last, value <= last {
                issue(key, item, "\(text) must be larger than the bound before it (\(last)): bounds ascend")
                return nil
            }
            bounds.append(value)
        }
        guard bounds.count <= 50, let buckets = DurationBuckets(bounds) else {
            issue(key, node, "must hold from 1 to 50 ascending bounds")
            return nil
        }
        return buckets
    }
}
