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
        var summed = 0
        if components.count > InstanceHealth.maxComponents {
            let names = components.keys.sorted()
            let rest = names[(InstanceHealth.maxComponents - 1)...]
            summed += rest.count
            node.components = Dictionary(
                uniqueKeysWithValues: names.prefix(InstanceHealth.maxComponents - 1).map { ($0, components[$0]!) })
            node.components[InstanceHealth.otherName] = rest.allSatisfy { components[$0]! }
        }
        if disks.count > InstanceHealth.maxDisks {
            let names = disks.keys.sorted()
            let rest = names[(InstanceHealth.maxDisks - 1)...]
            summed += rest.count
            node.disks = Dictionary(uniqueKeysWithValues: names.prefix(InstanceHealth.maxDisks - 1).map { ($0, disks[$0]!) })
            node.disks[InstanceHealth.otherName] = rest.reduce(DiskSpace(freeBytes: nil, totalBytes: nil)) {
                $0.adding(disks[$1]!)
            }
        }
        return (node, summed)
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

/// A sum of two figures either of which may be missing, held at `Int64.max`.
private func add(_ lhs: Int64?, _ rhs: Int64?) -> Int64? {
    guard let lhs, let rhs else { return lhs ?? rhs }
    let (sum, overflow) = lhs.addingReportingOverflow(rhs)
    return overflow ? .max : sum
}
