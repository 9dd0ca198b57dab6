/// Which source saw each completed run — the webhook (`push`) or the executions poll
/// (`poll`) — for `etlworks_push_runs_total{seen_by}`: a run counts once under the source
/// that saw it complete first, and once more under `both` when the other one saw it too. So
/// push + poll is every completed run, and poll − both the runs whose webhook never came.
/// Runs are remembered for a day, at most `capacity` of them. Pure.
public struct PushLedger: Sendable {
    public enum Source: Sendable { case push, poll }

    public private(set) var push: Int64 = 0
    public private(set) var poll: Int64 = 0
    public private(set) var both: Int64 = 0
    private var runs: [Int64: (first: Source, both: Bool)] = [:]
    private var expiry: RecentKeys<Int64>

    public init(capacity: Int = 1_000_000) { expiry = RecentKeys(lifetime: 86400, capacity: capacity) }

    public mutating func saw(_ auditIds: some Sequence<Int64>, by source: Source, now: Double) {
        for auditId in auditIds {
            if let known = runs[auditId] {
                if !known.both, known.first != source {
                    runs[auditId] = (known.first, true)
                    both += 1
                }
                continue
            }
            runs[auditId] = (source, false)
            if source == .push { push += 1 } else { poll += 1 }
            _ = expiry.insert(auditId, now: now)
        }
        // Forget what the expiry set forgot.
        if runs.count > expiry.count + 1024 {
            runs = runs.filter { expiry.contains($0.key) }
        }
    }
}
