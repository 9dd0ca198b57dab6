/// The upstream health document names its own nodes, components and disks, and each becomes
/// series: a broken or hostile instance could create any number. `capped` keeps at most
/// `maxNodes` nodes of at most `maxComponents` components and `maxDisks` disks each, and sums
/// the rest into one entry named `other` at each level (up only when every one summed is up;
/// bytes and running flows added; the highest load): at most 256 series in all.
extension InstanceHealth {
    public static let maxNodes = 8
    public static let maxComponents = 12
    public static let maxDisks = 6
    /// The name of the entry the rest is summed into.
    public static let otherName = "other"

    /// The document within the caps, and how many nodes, components and disks were summed
    /// into `other` entries (0 when nothing was).
    public func capped() -> (health: InstanceHealth, summed: Int) {
        var summed = 0
        var kept = nodes.map { node -> NodeHealth in
            let (capped, count) = node.capped()
            summed += count
            return capped
        }
        if kept.count > Self.maxNodes {
            let rest = kept[(Self.maxNodes - 1)...]
            summed += rest.count
            var other = rest.dropFirst().reduce(rest.first!) { $0.merged(with: $1) }
            other.name = Self.otherName
            let (cappedOther, count) = other.capped()
            summed += count
            kept = Array(kept.prefix(Self.maxNodes - 1)) + [cappedOther]
        }
        return (InstanceHealth(nodes: kept), summed)
    }
}

extension NodeHealth {
    /// This node within the component and disk caps, and how many were summed.
    func capped() -> (NodeHealth, summed: Int) {
        var node = self
        let (components, summedComponents) = Self.capped(self.components, at: InstanceHealth.maxComponents) {
            $0.allSatisfy { $0 }
        }
        let (disks, summedDisks) = Self.capped(self.disks, at: InstanceHealth.maxDisks) {
            $0.reduce(DiskSpace(freeBytes: nil, totalBytes: nil)) { $0.adding($1) }
        }
        node.components = components
        node.disks = disks
        return (node, summedComponents + summedDisks)
    }

    /// The first `limit - 1` entries by name, and the rest summed by `sum` into one named
    /// `other`; `entries` unchanged when within `limit`. Also how many were summed.
    private static func capped<Value>(
        _ entries: [String: Value], at limit: Int, sum: ([Value]) -> Value
    ) -> ([String: Value], summed: Int) {
        guard entries.count > limit else { return (entries, 0) }
        let names = entries.keys.sorted()
        var kept = Dictionary(uniqueKeysWithValues: names.prefix(limit - 1).map { ($0, entries[$0]!) })
        let rest = names[(limit - 1)...]
        kept[InstanceHealth.otherName] = sum(rest.map { entries[$0]! })
        return (kept, rest.count)
    }

    /// Two nodes as one: components up when up on both, figures added (load: the higher).
    func merged(with other: NodeHealth) -> NodeHealth {
        var merged = self
        merged.up = up.flatMap { mine in other.up.map { mine && $0 } ?? mine } ?? other.up
        merged.components.merge(other.components) { $0 && $1 }
        merged.disks.merge(other.disks) { $0.adding($1) }
        merged.runningFlows = add(runningFlows, other.runningFlows)
        merged.heapUsedBytes = add(heapUsedBytes, other.heapUsedBytes)
        merged.heapMaxBytes = add(heapMaxBytes, other.heapMaxBytes)
        merged.systemLoad = [systemLoad, other.systemLoad].compactMap { $0 }.max()
        return merged
    }
}

extension NodeHealth.DiskSpace {
    func adding(_ other: Self) -> Self {
        return Self(freeBytes: add(freeBytes, other.freeBytes), totalBytes: add(totalBytes, other.totalBytes))
    }
}

/// A sum of two figures either of which may be missing, saturating.
private func add(_ lhs: Int64?, _ rhs: Int64?) -> Int64? {
    guard let lhs, let rhs else { return lhs ?? rhs }
    return lhs.addingSaturated(rhs)
}
