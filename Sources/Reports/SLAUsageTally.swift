import EtlworksAPI
import SLAStore
import Store
import Vocabulary

/// Breaches and compliance per SLA rule and target over a period, from the stored breach
/// episodes and observed time. Pure.
enum SLAUsageTally {
    /// The target as a reader names it: its name (`tenant` for a rule on the tenant), with
    /// tenants the tenant's id after it.
    static func targetText(_ usage: UsageReport.SLAUsage) -> String {
        let name = SLATarget(key: usage.targetKey)?.kind == .tenant ? "tenant" : usage.targetName
        return usage.tenant.isEmpty ? name : "\(name) (tenant \(usage.tenant))"
    }

    /// One entry per (tenant, rule, target) with a breach overlapping [from, to) (epoch ms); an
    /// open breach lasts until `to`. Compliance is `SLACompliance` over the tenant's `observed`
    /// time, as the live metric counts it. Sorted by compliance, worst first, then rule, tenant
    /// and target.
    static func tally(
        _ episodes: [SLAEpisode], observed: [String: [(startMs: Int64, endMs: Int64)]], from: Int64, to: Int64
    ) -> [UsageReport.SLAUsage] {
        var windows: [String: SLACompliance.Window] = [:]
        for (tenant, spans) in observed {
            windows[tenant] = SLACompliance.window(
                observed: spans.map { SLACompliance.Span(startMs: $0.startMs, endMs: $0.endMs) }, fromMs: from, toMs: to)
        }
        let nothingObserved = SLACompliance.window(observed: [], fromMs: from, toMs: to)
        var byKey: [String: UsageReport.SLAUsage] = [:]
        var breaches: [String: [(startMs: Int64, endMs: Int64?)]] = [:]
        var order: [String] = []
        for episode in episodes {
            let start = max(episode.startMs, from), end = min(episode.endMs ?? to, to)
            guard end > start || (episode.startMs >= from && episode.startMs < to) else { continue }
            let seconds = EpochMillis.seconds(max(0, end - start))
            let key = episode.tenant + "\u{0}" + episode.rule + "\u{0}" + episode.target
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = UsageReport.SLAUsage(
                    rule: episode.rule, severity: episode.severity, tenant: episode.tenant, targetKey: episode.target,
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
            usage.compliance = SLACompliance.ratio(breaches: breaches[key] ?? [], in: windows[usage.tenant] ?? nothingObserved)
            return usage
        }.sorted {
            ($0.compliance ?? -1, $0.rule, $0.tenant, $0.targetKey) < ($1.compliance ?? -1, $1.rule, $1.tenant, $1.targetKey)
        }
    }
}
