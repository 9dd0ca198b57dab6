import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import Foundation
import SLA
import Vocabulary

/// The /health report: an overall status (pass, warn or fail) with the reasons, each
/// resource's last poll, API reachability, storage state and version. Pure.
public struct HealthReport: Sendable {
    public typealias Status = HealthStatus

    public var status: Status
    /// Why the status is not pass, one sentence each.
    public var reasons: [String]
    /// The reasons with what each does to the status.
    private let gradedReasons: [(status: Status, reason: String)]
    /// The JSON document.
    public let document: HealthDocument

    /// HTTP status for the report: 200 on pass and warn, 503 on fail.
    public var httpStatus: Int { status == .fail ? 503 : 200 }

    public init(snapshot: ExporterSnapshot, apiURL: String) {
        var reasons: [(Status, String)] = []
        var resources: [String: HealthDocument.Resource] = [:]
        for resource in snapshot.polledResources {
            let poll = snapshot.polls[resource]
            var entry = HealthDocument.Resource(
                intervalSeconds: snapshot.intervals[resource] ?? 60,
                result: poll?.lastSucceeded.map { $0 ? "success" : "error" } ?? "pending",
                consecutiveFailures: poll?.consecutiveFailures ?? 0, skippedRecords: poll?.skippedRecords ?? 0,
                lastAttempt: poll?.lastAttempt.map(Self.iso), lastSuccess: poll?.lastSuccess.map(Self.iso),
                lastDurationSeconds: poll?.lastDuration)
            entry.unavailable = snapshot.unavailable[resource]
            if let keys = snapshot.unrecognized[resource] {
                entry.unrecognizedKeys = keys
                reasons.append(
                    (.warn, "\(resource.rawValue): the answer holds none of the expected fields (top-level keys: \(keys))"))
            }
            if let error = poll?.lastError {
                entry.error = error
                reasons.append((.warn, "\(resource.rawValue): latest poll failed: \(error)"))
            } else if poll == nil {
                reasons.append((.warn, "\(resource.rawValue): waiting for the first poll"))
            }
            resources[resource.rawValue] = entry
        }
        if let off = snapshot.unavailable[.streams] { reasons.append((.warn, "stream polling is off: \(off)")) }
        // Runs are what the exporter is for: the API failing them fails the report; other
        // resources failing (a 503 on billing, say) only warn.
        if snapshot.polls[.executions]?.lastAnswered == false {
            reasons.append((.fail, "the Etlworks API did not answer the latest executions poll"))
        }
        // Not even the per-flow fallback may be read: no run is seen until the key changes.
        if let polls = snapshot.polls[.executions], polls.lastRefusedForRole, let error = polls.lastError {
            reasons.append((.fail, "runs cannot be read with these credentials: \(error)"))
        }
        var api = HealthDocument.API(url: apiURL, reachable: snapshot.apiUp, executionsSource: "metrics")
        if snapshot.daysByOffset { api.executionsDayParameter = "offset" }
        if case .historyFallback(let reason) = snapshot.executionsSource {
            api.executionsSource = "history"
            api.executionsSourceReason = reason
            reasons.append((.warn, "executions are read per flow (slower): \(reason)"))
        }
        var storage = HealthDocument.Storage(path: snapshot.storagePath, sizeBytes: snapshot.storeSizeBytes, status: "ok")
        if case .failing(let message) = snapshot.storage {
            storage.status = "failing"
            storage.error = message
            reasons.append((.fail, "storage: \(message)"))
        }
        var instance = HealthDocument.Instance(up: snapshot.instanceUp)
        if snapshot.instanceUp == false { reasons.append((.warn, "the Etlworks instance reports itself DOWN")) }
        if let info = snapshot.systemInfo {
            instance.version = info.version ?? ""
            instance.deploymentMode = info.deploymentMode ?? ""
        }
        let (sla, slaReasons) = Self.sla(snapshot.sla)
        reasons += slaReasons
        let status: Status = reasons.contains { $0.0 == .fail } ? .fail : reasons.isEmpty ? .pass : .warn
        self.status = status
        self.reasons = reasons.map(\.1)
        gradedReasons = reasons
        document = HealthDocument(
            status: status, reasons: self.reasons, version: BuildInfo.version, startedAt: Self.iso(snapshot.startedAt),
            time: Self.iso(snapshot.takenAt), api: api, instance: instance, storage: storage, resources: resources,
            flows: snapshot.flows.count, sla: sla)
    }

    /// The report of an exporter watching tenants: the instance's own (its health, storage,
    /// the exporter), and each tenant's polls. A tenant down only warns, so that one tenant's
    /// trouble never fails the probe of the others; all of them down fails it.
    public init(
        instance: ExporterSnapshot, apiURL: String, tenants: [MetricsRenderer.TenantPart], discoveryProblem: String?
    ) {
        let base = HealthReport(snapshot: instance, apiURL: apiURL)
        // The instance's own reasons keep their grades (its storage failing fails the report);
        // its SLA section is every tenant's, graded as one exporter's breaches are.
        let instanceSLA = Set(Self.sla(instance.sla).1.map(\.1))
        var reasons = base.gradedReasons.filter { !instanceSLA.contains($0.reason) }
        let (sla, slaReasons) = Self.sla(.merged([instance.sla] + tenants.map(\.snapshot.sla)))
        reasons += slaReasons
        if let discoveryProblem { reasons.append((.warn, "listing the tenants failed: \(discoveryProblem)")) }
        var entries: [HealthDocument.Tenant] = []
        for part in tenants {
            let own = HealthReport(snapshot: part.snapshot, apiURL: apiURL)
            // The tenant's polls only: the rest of its report is the instance's.
            let polls = own.reasons.filter { reason in own.document.resources.keys.contains { reason.hasPrefix("\($0):") } }
            entries.append(
                HealthDocument.Tenant(
                    id: part.tenant.id, name: part.tenant.name, up: part.up, status: part.up ? own.status : .fail,
                    reasons: own.reasons, flows: part.snapshot.flows.count, resources: own.document.resources))
            let name = "tenant \(part.tenant.id) (\(part.tenant.name))"
            if !part.up {
                // Up is decided by its executions and flows polls: say theirs first.
                let cause = polls.first { $0.hasPrefix("executions:") || $0.hasPrefix("flows:") } ?? polls.first
                reasons.append((.warn, "\(name) is down: \(cause ?? "waiting for its first polls")"))
            }
            // One database: its writes failing for a tenant fail the exporter.
            if case .failing(let message) = part.snapshot.storage { reasons.append((.fail, "\(name): storage: \(message)")) }
        }
        if !tenants.isEmpty, !tenants.contains(where: \.up) { reasons.append((.fail, "no tenant is read")) }
        let status: Status = reasons.contains { $0.0 == .fail } ? .fail : reasons.isEmpty ? .pass : .warn
        self.status = status
        self.reasons = reasons.map(\.1)
        gradedReasons = reasons
        var document = base.document
        document.status = status
        document.reasons = self.reasons
        document.flows = tenants.reduce(0) { $0 + $1.snapshot.flows.count }
        document.tenants = entries
        document.sla = sla
        self.document = document
    }

    /// The SLA section and what its breaches and problem do to the status.
    private static func sla(_ snapshot: SLASnapshot) -> (HealthDocument.SLA, [(Status, String)]) {
        var reasons: [(Status, String)] = []
        var sla = HealthDocument.SLA(rules: snapshot.rules.count, breaching: [])
        sla.evaluatedAt = snapshot.evaluatedAt.map { Self.iso(Date(timeIntervalSince1970: $0)) }
        sla.replay = snapshot.replay?.rawValue
        if let problem = snapshot.problem {
            // As serious as the worst breach it can no longer report.
            sla.error = problem
            let worst = snapshot.rules.map(\.severity).max() ?? .warning
            let effect = snapshot.healthPolicy.status(for: worst)
            reasons.append((effect == .pass ? .warn : effect, problem))
        }
        let breaching = snapshot.breaching
        sla.breaching = breaching.map(SLAResultEntry.init)
        for result in breaching {
            let effect = snapshot.healthPolicy.status(for: result.severity)
            if effect != .pass {
                reasons.append((effect, "SLA \(result.rule) (\(result.severity.rawValue)) breached by \(result.targetLabel)"))
            }
        }
        return (sla, reasons)
    }

    /// The report as pretty-printed JSON.
    public func json() -> Data { JSONDocument.encode(document) }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
