import ExporterBase
import Foundation
import Store

/// The JSON of `GET /api/v1/sla`, `GET /api/v1/sla/history` and the /health `sla` section.
/// Times are RFC 3339, values in base units. Pure.
public enum SLADocuments {
    /// One rule and target now.
    package static func entry(_ result: SLAResult) -> [String: Any] {
        var entry: [String: Any] = [
            "sla": result.rule, "severity": result.severity.rawValue, "condition": result.condition,
            "target": target(result.target), "state": result.phase.rawValue,
            "breaches_total": result.breachesTotal
        ]
        let measurement = result.measurement
        if let value = measurement.value, value.isFinite { entry["value"] = value }
        if let threshold = measurement.threshold, threshold.isFinite { entry["threshold"] = threshold }
        if let since = result.breachStart ?? result.since { entry["since"] = UTCTime.format(since) }
        if let detail = measurement.detail, result.phase != .ok { entry["detail"] = detail }
        if let value = result.compliance30d { entry["compliance_30d"] = value }
        if let value = result.complianceMonth { entry["compliance_month"] = value }
        if let value = measurement.errorBudgetRemaining, value.isFinite { entry["error_budget_remaining"] = value }
        if let rates = measurement.burnRates {
            var burn: [String: Any] = [:]
            for (index, rate) in rates.enumerated() where index < SLOBurnWindows.windows.count {
                if let rate, rate.isFinite { burn[SLOBurnWindows.windows[index].label] = rate }
            }
            entry["burn_rates"] = burn
        }
        if let value = measurement.projectedRatio, value.isFinite { entry["projected_ratio"] = value }
        return entry
    }

    /// Every rule and target (`?state=breaching` keeps only breaches).
    public static func current(_ snapshot: SLASnapshot, onlyBreaching: Bool = false) -> Data {
        let results = onlyBreaching ? snapshot.breaching : snapshot.results
        var object: [String: Any] = [
            "status": "success",
            "rules": snapshot.rules.map {
                [
                    "name": $0.name, "severity": $0.severity.rawValue, "condition": $0.condition.key,
                    "target": $0.target.kind.rawValue, "for_seconds": $0.holdFor
                ] as [String: Any]
            },
            "results": results.map(entry),
            "breaching": snapshot.breaching.count
        ]
        if let time = snapshot.evaluatedAt {
            object["evaluated_at"] = UTCTime.format(time)
            // Exact, so that a check can recompute the same windows.
            object["evaluated_at_seconds"] = time
        }
        return serialize(object)
    }

    /// Episodes overlapping [from, to].
    public static func history(_ episodes: [SLAEpisode], from: Double, to: Double) -> Data {
        serialize([
            "status": "success", "from": UTCTime.format(from), "to": UTCTime.format(to),
            "episodes": episodes.map { episode -> [String: Any] in
                var item: [String: Any] = [
                    "sla": episode.rule, "severity": episode.severity,
                    "target": SLATarget(key: episode.target).map {
                        target(SLATarget(kind: $0.kind, id: $0.id, name: episode.targetName))
                    }
                        ?? ["kind": episode.target, "id": 0, "name": episode.targetName],
                    "start": UTCTime.format(Double(episode.startMs) / 1000)
                ]
                if let end = episode.endMs {
                    item["end"] = UTCTime.format(Double(end) / 1000)
                    item["duration_seconds"] = Double(end - episode.startMs) / 1000
                }
                if let peak = episode.peak, peak.isFinite { item["peak"] = peak }
                if let threshold = episode.threshold, threshold.isFinite { item["threshold"] = threshold }
                return item
            }
        ])
    }

    static func target(_ target: SLATarget) -> [String: Any] {
        ["kind": target.kind.rawValue, "id": target.id, "name": target.name]
    }

    private static func serialize(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
    }
}
