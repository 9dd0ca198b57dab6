import ExporterBase
import Foundation
import SLA

/// The /health report: an overall status (pass, warn or fail) with the reasons, each
/// resource's last poll, API reachability, storage state and version. Pure.
public struct HealthReport: Sendable {
    public typealias Status = HealthStatus

    public var status: Status
    /// Why the status is not pass, one sentence each.
    public var reasons: [String]
    private let body: Data

    /// HTTP status for the report: 200 on pass and warn, 503 on fail.
    public var httpStatus: Int { status == .fail ? 503 : 200 }

    public init(snapshot: ExporterSnapshot, apiURL: String) {
        var reasons: [(Status, String)] = []
        var resources: [String: Any] = [:]
        for resource in snapshot.polledResources {
            let poll = snapshot.polls[resource]
            let interval = snapshot.intervals[resource] ?? 60
            var entry: [String: Any] = [
                "interval_seconds": interval,
                "result": poll?.lastSucceeded.map { $0 ? "success" : "error" } ?? "pending",
                "consecutive_failures": poll?.consecutiveFailures ?? 0,
                "skipped_records": poll?.skippedRecords ?? 0
            ]
            if let date = poll?.lastAttempt { entry["last_attempt"] = Self.iso(date) }
            if let date = poll?.lastSuccess { entry["last_success"] = Self.iso(date) }
            if let seconds = poll?.lastDuration { entry["last_duration_seconds"] = seconds }
            if let error = poll?.lastError {
                entry["error"] = error
                reasons.append((.warn, "\(resource.rawValue): latest poll failed: \(error)"))
            } else if poll == nil {
                reasons.append((.warn, "\(resource.rawValue): waiting for the first poll"))
            }
            resources[resource.rawValue] = entry
        }
        // Runs are what the exporter is for: the API failing them fails the report; other
        // resources failing (a 503 on billing, say) only warn.
        if snapshot.polls[.executions]?.lastAnswered == false {
            reasons.append((.fail, "the Etlworks API did not answer the latest executions poll"))
        }
        var api: [String: Any] = ["url": apiURL]
        if let up = snapshot.apiUp { api["reachable"] = up }
        switch snapshot.executionsSource {
        case .metricsEndpoint:
            api["executions_source"] = "metrics"
        case .historyFallback(let reason):
            api["executions_source"] = "history"
            api["executions_source_reason"] = reason
            reasons.append((.warn, "executions are read per flow (slower): \(reason)"))
        }
        var storage: [String: Any] = ["path": snapshot.storagePath, "size_bytes": snapshot.storeSizeBytes]
        switch snapshot.storage {
        case .ok:
            storage["status"] = "ok"
        case .failing(let message):
            storage["status"] = "failing"
            storage["error"] = message
            reasons.append((.fail, "storage: \(message)"))
        }
        var instance: [String: Any] = [:]
        if let up = snapshot.instanceUp {
            instance["up"] = up
            if !up { reasons.append((.warn, "the Etlworks instance reports itself DOWN")) }
        }
        if let info = snapshot.systemInfo {
            instance["version"] = info.version ?? ""
            instance["deployment_mode"] = info.deploymentMode ?? ""
        }
        var sla: [String: Any] = ["rules": snapshot.sla.rules.count]
        if let time = snapshot.sla.evaluatedAt { sla["evaluated_at"] = Self.iso(Date(timeIntervalSince1970: time)) }
        if let problem = snapshot.sla.problem {
            // As serious as the worst breach it can no longer report.
            sla["error"] = problem
            let worst = snapshot.sla.rules.map(\.severity).max() ?? .warning
            let effect = snapshot.sla.healthPolicy.status(for: worst)
            reasons.append((effect == .pass ? .warn : effect, problem))
        }
        let breaching = snapshot.sla.breaching
        sla["breaching"] = breaching.map { SLADocuments.entry($0) }
        for result in breaching {
            let effect = snapshot.sla.healthPolicy.status(for: result.severity)
            if effect != .pass {
                reasons.append((effect, "SLA \(result.rule) (\(result.severity.rawValue)) breached by \(result.target.label)"))
            }
        }
        let status: Status = reasons.contains { $0.0 == .fail } ? .fail : reasons.isEmpty ? .pass : .warn
        self.status = status
        self.reasons = reasons.map(\.1)
        let object: [String: Any] = [
            "status": status.rawValue,
            "reasons": self.reasons,
            "version": BuildInfo.version,
            "started_at": Self.iso(snapshot.startedAt),
            "time": Self.iso(snapshot.takenAt),
            "api": api,
            "instance": instance,
            "storage": storage,
            "resources": resources,
            "flows": snapshot.flows.count,
            "sla": sla
        ]
        body = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
    }

    /// The report as pretty-printed JSON.
    public func json() -> Data { body }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
