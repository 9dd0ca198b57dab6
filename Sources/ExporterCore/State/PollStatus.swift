import Foundation

/// What happened to one resource's polls.
public struct PollStatus: Sendable, Equatable {
    public var lastAttempt: Date?
    public var lastSuccess: Date?
    /// The error of the latest poll, nil when it succeeded. Never contains a secret.
    public var lastError: String?
    public var successes: Int64 = 0
    public var failures: Int64 = 0
    public var consecutiveFailures = 0
    /// Seconds the latest poll took.
    public var lastDuration: Double?
    /// Records skipped by tolerant decoding, all time.
    public var skippedRecords: Int64 = 0
    /// Whether the API gave a usable answer to the latest poll (false for transport errors,
    /// timeouts, 5xx and rate limiting).
    public var lastAnswered: Bool?
    /// Whether the latest poll failed because the credentials' role may not call an endpoint.
    public var lastRefusedForRole = false

    public init() {}

    /// Whether the latest poll succeeded (nil before the first).
    public var lastSucceeded: Bool? { lastAttempt == nil ? nil : lastError == nil }
}

/// Where executions come from.
public enum ExecutionsSource: Sendable, Equatable {
    /// `/v1/metrics/executions?date=` (Administrator role).
    case metricsEndpoint
    /// Per-flow `/history`, because the key lacks the Administrator role.
    case historyFallback(reason: String)
}

/// Whether the database accepts writes.
public enum StorageStatus: Sendable, Equatable {
    case ok
    case failing(String)
}

/// The parts of the exporter that write to the database.
public enum StorageWriter: String, Sendable, CaseIterable {
    /// Runs and flows, from the collectors.
    case runs
    /// Samples, rollups and retention.
    case history
    /// SLA states and breach episodes.
    case sla
}
