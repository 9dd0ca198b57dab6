import ExporterBase
import ExporterConfiguration
import SLA
import Vocabulary

/// The JSON of `/health`. Encoded by the server, decoded by the tests.
public struct HealthDocument: Codable, Sendable, Equatable {
    /// One polled resource.
    public struct Resource: Codable, Sendable, Equatable {
        public var intervalSeconds: Double
        /// `success`, `error` or `pending` (not polled yet).
        public var result: String
        public var consecutiveFailures: Int
        public var skippedRecords: Int64
        public var lastAttempt: String?
        public var lastSuccess: String?
        public var lastDurationSeconds: Double?
        public var error: String?
        /// Why the resource is not polled: this instance does not have it.
        public var unavailable: String?
        /// The top-level keys of the latest answer when it held none of the expected fields.
        public var unrecognizedKeys: String?

        enum CodingKeys: String, CodingKey {
            case result, error, unavailable
            case unrecognizedKeys = "unrecognized_keys"
            case intervalSeconds = "interval_seconds"
            case consecutiveFailures = "consecutive_failures"
            case skippedRecords = "skipped_records"
            case lastAttempt = "last_attempt"
            case lastSuccess = "last_success"
            case lastDurationSeconds = "last_duration_seconds"
        }
    }

    /// The Etlworks API as the exporter sees it.
    public struct API: Codable, Sendable, Equatable {
        public var url: String
        public var reachable: Bool?
        /// `metrics` (the admin endpoint) or `history` (the per-flow fallback).
        public var executionsSource: String
        public var executionsSourceReason: String?
        /// How days are asked of the Reporting API: `date`, or `offset` on older instances
        /// that ignore `date`.
        public var executionsDayParameter: String = "date"

        enum CodingKeys: String, CodingKey {
            case url, reachable
            case executionsSource = "executions_source"
            case executionsSourceReason = "executions_source_reason"
            case executionsDayParameter = "executions_day_parameter"
        }
    }

    /// The Etlworks instance.
    public struct Instance: Codable, Sendable, Equatable {
        public var up: Bool?
        public var version: String?
        public var deploymentMode: String?

        enum CodingKeys: String, CodingKey {
            case up, version
            case deploymentMode = "deployment_mode"
        }
    }

    /// The database.
    public struct Storage: Codable, Sendable, Equatable {
        public var path: String
        public var sizeBytes: Int64
        /// `ok` or `failing`.
        public var status: String
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case path, status, error
            case sizeBytes = "size_bytes"
        }
    }

    /// SLA rules: how many, when evaluated, what breaches.
    public struct SLA: Codable, Sendable, Equatable {
        public var rules: Int
        public var evaluatedAt: String?
        public var error: String?
        public var breaching: [SLAResultEntry]
        /// The replay of stored runs at start: `running`, then `done`.
        public var replay: String?

        enum CodingKeys: String, CodingKey {
            case rules, error, breaching, replay
            case evaluatedAt = "evaluated_at"
        }
    }

    public var status: HealthStatus
    public var reasons: [String]
    public var version: String
    public var startedAt: String
    public var time: String
    public var api: API
    public var instance: Instance
    public var storage: Storage
    /// By resource name (`executions`, `flows`, …).
    public var resources: [String: Resource]
    public var flows: Int
    public var sla: SLA
    /// Each watched tenant (`etlworks.tenants`); absent without tenants.
    public var tenants: [Tenant]?

    /// A watched tenant: whether it is read, and its own polls.
    public struct Tenant: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var up: Bool
        public var status: HealthStatus
        public var reasons: [String]
        public var flows: Int
        public var resources: [String: Resource]
    }

    enum CodingKeys: String, CodingKey {
        case status, reasons, version, time, api, instance, storage, resources, flows, sla, tenants
        case startedAt = "started_at"
    }
}
