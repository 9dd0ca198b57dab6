import EtlworksAPI
import SLAStore
import Store

/// Breaches and compliance per SLA rule and target over a period, from the stored breach
/// episodes and observed time. Pure.
enum SLAUsageTally {
    /// One entry per (rule, target) with a breach overlapping [from, to) (epoch ms); an open
    /// breach lasts until `to`. Compliance is `SLACompliance` over `observed`, as the live
    /// metric counts it. Sorted by compliance, worst first, then rule and target.
    static func tally(
        _ episodes: [SLAEpisode], observed: [(startMs: Int64, endMs: Int64)], from: Int64, to: Int64
    ) -> [UsageReport.SLAUsage] {
        let window = SLACompliance.window(
            observed: observed.map { SLACompliance.Span(startMs: $0.startMs, endMs: $0.endMs) }, fromMs: from, toMs: to)
        var byKey: [String: UsageReport.SLAUsage] = [:]
        var breaches: [String: [(startMs: Int64, endMs: Int64?)]] = [:]
        var order: [String] = []
        for episode in episodes {
            let start = max(episode.startMs, from), end = min(episode.endMs ?? to, to)
            guard end > start || (episode.startMs >= from && episode.startMs < to) else { continue }
            let seconds = EpochMillis.seconds(max(0, end - start))
            let key = episode.rule + "\u{0}" + episode.target
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = UsageReport.SLAUsage(
                    rule: episode.rule, severity: episode.severity, targetKey: episode.target,
                    targetName: episode.targetName, breaches: 0, breachSeconds: 0,
                    longestBreachSeconds: 0, compliance: nil)
            }
            byKey[key]!.breaches += 1
            byKey[key]!.breachSeconds += seconds
            byKey[key]!.longestBreachSeconds = max(byKey[key]!.longestBreachSeconds, seconds)
            breaches[key, default: []].append((episode.startMs, episode.endMs))
            // The latest episode names the target as it is now.
            byKey[key]!.targetName = episode.targetName
            byKey[key]!.severity = episode.severity
        }
        return order.compactMap { key in
            guard var usage = byKey[key] else { return nil }
            usage.compliance = SLACompliance.ratio(breaches: breaches[key] ?? [], in: window)
            return usage
        }.sorted { ($0.compliance ?? -1, $0.rule, $0.targetKey) < ($1.compliance ?? -1, $1.rule, $1.targetKey) }
    }
}
