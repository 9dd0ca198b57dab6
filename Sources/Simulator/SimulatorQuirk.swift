import Foundation

/// A behaviour of real Etlworks instances that the first contract missed (the contract
/// README's last section), switched on per simulator with `simulate --quirks`.
public enum SimulatorQuirk: String, Sendable, CaseIterable {
    /// A stopped run shows `canceled` at once and, `stopTransition` later, `error` (or
    /// `success` with its records for a streaming flow).
    case stopTransition = "stop-transition"
    /// An endpoint the key's role may not call answers 401 instead of 403.
    case role401 = "role-401"
    /// `/rest/v1/system/health` answers a plain-text body.
    case plainHealth = "plain-health"
    /// Only `/v1/token-auth/issue` logs in; `/v1/token-auth` answers 405.
    case issueLogin = "issue-login"
    /// `/v1/metrics/executions` ignores `date` (answers today) and takes only `offset`.
    case oldReporting = "old-reporting"
    /// List endpoints ignore `offset` and always answer the first page.
    case ignoreOffset = "ignore-offset"
    /// Agents carry string ids and the status words online/offline/stopped/suspended.
    case stringAgentIds = "string-agent-ids"
    /// Summary, agents, subscription and system info answer with field names nobody expects.
    case unknownShapes = "unknown-shapes"
    /// `/health` at the instance root answers 404, as on cloud tenants.
    case noNodeHealth = "no-node-health"
    /// `/v1/billing/subscription` answers 404, as on-premise installs do.
    case noBilling = "no-billing"
    /// `/etl/rest/v1/tasks/{auditId}/` answers 404: running tasks only at
    /// `/rest/v1/executions/{flowId}/audit/{auditId}/running-tasks`.
    case noEtlTasks = "no-etl-tasks"

    /// Parses a comma-separated list; throws naming the unknown words.
    public static func parse(_ text: String) throws(UnknownQuirks) -> Set<SimulatorQuirk> {
        var quirks = Set<SimulatorQuirk>()
        var unknown: [String] = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !word.isEmpty {
            if let quirk = SimulatorQuirk(rawValue: word) { quirks.insert(quirk) } else { unknown.append(word) }
        }
        guard unknown.isEmpty else { throw UnknownQuirks(words: unknown) }
        return quirks
    }

    public struct UnknownQuirks: Error, CustomStringConvertible {
        public let words: [String]
        public var description: String {
            "unknown quirks \(words.joined(separator: ", ")); known: \(SimulatorQuirk.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}
