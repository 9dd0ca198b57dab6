import ExporterBase
import Yams

/// What `/metrics` exports (`metrics:`).
public struct MetricsSettings: Sendable, Equatable {
    /// Families not exported, by their descriptor name (without `_total` or `_info`).
    public var disabled: Set<String> = []

    public init() {}
}

extension ConfigNodeReader {
    /// Reads `metrics:`. `families` maps every name a user may write for a family (with and
    /// without `_total`/`_info`) to its descriptor name; an unknown name is an issue listing
    /// the known ones.
    mutating func metricsSettings(_ node: Node, families: [String: String]) -> MetricsSettings {
        var settings = MetricsSettings()
        if isNull(node) { return settings }
        guard let mapping = node.mapping else {
            issue("metrics", node, "must be a mapping of disable")
            return settings
        }
        for (key, value) in mapping {
            guard key.string == "disable" else {
                issue("metrics.\(key.string ?? "")", key, "unknown key (expected disable)")
                continue
            }
            for item in list(value, key: "metrics.disable") {
                guard let name = scalar(item) else {
                    issue("metrics.disable", item, "must be a list of metric names")
                    continue
                }
                guard let family = families[name] else {
                    let known = Set(families.values).sorted().joined(separator: ", ")
                    issue("metrics.disable", item, "'\(name)' is not a metric of this exporter (known: \(known))")
                    continue
                }
                settings.disabled.insert(family)
            }
        }
        return settings
    }
}
