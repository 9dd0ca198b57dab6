import EtlworksAPI
import Foundation
import Vocabulary

extension SLASnapshot {
    /// The SLA of an exporter watching tenants, seen as one (/health, /api/v1/sla, /sla): every
    /// tenant's results, each naming its tenant; the rules any tenant judges; the oldest of
    /// their latest evaluations (a tenant whose rules lag shows), and each tenant's problem.
    public static func merged(_ snapshots: [SLASnapshot]) -> SLASnapshot {
        var merged = SLASnapshot()
        var ruleNames: Set<String> = []
        var windows: Set<String> = []
        var problems: [String] = []
        for snapshot in snapshots {
            merged.results += snapshot.results
            for rule in snapshot.rules where ruleNames.insert(rule.name).inserted { merged.rules.append(rule) }
            for window in snapshot.maintenance where windows.insert(window.name).inserted {
                merged.maintenance.append(window)
            }
            if let problem = snapshot.problem {
                problems.append(snapshot.tenant.map { "\($0.label): \(problem)" } ?? problem)
            }
            if let at = snapshot.evaluatedAt { merged.evaluatedAt = min(merged.evaluatedAt ?? at, at) }
            if let seconds = snapshot.evaluationSeconds {
                merged.evaluationSeconds = max(merged.evaluationSeconds ?? seconds, seconds)
            }
            if !snapshot.rules.isEmpty { merged.healthPolicy = snapshot.healthPolicy }
        }
        if !problems.isEmpty { merged.problem = problems.joined(separator: "; ") }
        // Done once every tenant's replay is; running while any still has one to do.
        let phases = snapshots.map(\.replay)
        if phases.allSatisfy({ $0 == .done }) {
            merged.replay = phases.isEmpty ? nil : .done
        } else if phases.contains(where: { $0 != nil }) {
            merged.replay = .running
        }
        return merged
    }
}
