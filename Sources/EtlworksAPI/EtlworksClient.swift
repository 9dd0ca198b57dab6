import Foundation

/// The Etlworks API as the exporter uses it. Every call pages through list endpoints itself
/// and decodes tolerantly; a call throws `APIError` only when the answer as a whole is
/// unusable.
public protocol EtlworksClient: Sendable {
    /// Every flow (`GET /v1/flows`, all pages).
    func flows() async throws -> DecodedPage<Flow>
    /// The tenants the Super Admin sees (`GET /v1/tenants`).
    func tenants() async throws -> DecodedPage<Tenant>
    /// Every execution of every flow on `date` (YYYY-MM-DD in the tenant's time zone).
    /// Throws `APIError.forbidden` when the credentials lack the Administrator role. Runs in
    /// `settled` are passed over undecoded (`DailyExecutions.passedOver`).
    func dailyExecutions(date: String, skipping settled: Set<Int64>) async throws -> DailyExecutions
    /// The same for the day `offset` days before today (0 is today), as older instances
    /// take it: they ignore `date`.
    func dailyExecutions(offset: Int, skipping settled: Set<Int64>) async throws -> DailyExecutions
    /// A flow's runs started or queued at or after `since` (epoch ms), newest first, at most
    /// `limit` of them.
    func history(flowId: Int64, since: Int64?, limit: Int) async throws -> DecodedPage<FlowRun>
    /// One run by audit id.
    func run(flowId: Int64, auditId: Int64) async throws -> FlowRun
    /// Counts of a flow's runs by status in [from, to] (epoch ms).
    func statuses(flowId: Int64, from: Int64?, to: Int64?) async throws -> [RunStatus: Int64]
    /// Tenant-wide statistics for [from, to] (epoch ms).
    func summary(from: Int64?, to: Int64?) async throws -> ExecutionsSummary
    /// Every agent (all pages).
    func agents() async throws -> DecodedPage<Agent>
    /// The subscription and its usage.
    func subscription() async throws -> Subscription
    /// Every schedule (all pages).
    func schedules() async throws -> DecodedPage<FlowSchedule>
    /// Liveness of the instance (no authentication): up on a 2xx, whatever the body; down on
    /// any other status. Throws only when no answer came.
    func systemHealth() async throws -> SystemHealth
    /// Every node's health from `GET /health?allNodes=true` at the instance root (no
    /// authentication; cloud tenants may answer 404).
    func instanceHealth() async throws -> InstanceHealth
    /// Version and deployment mode.
    func systemInfo() async throws -> SystemInfo
    /// The running tasks of `type` (`stream`, …) of a run, from
    /// `GET {instance}/etl/rest/v1/tasks/{auditId}/?type=`, or where that path answers 404,
    /// from `/v1/executions/{flowId}/audit/{auditId}/running-tasks`. Empty: none is running.
    func runningTasks(flowId: Int64, auditId: Int64, type: String) async throws -> DecodedPage<RunningTask>
}

extension EtlworksClient {
    /// Every run of the day, none passed over.
    public func dailyExecutions(date: String) async throws -> DailyExecutions {
        try await dailyExecutions(date: date, skipping: [])
    }

    public func dailyExecutions(offset: Int) async throws -> DailyExecutions {
        try await dailyExecutions(offset: offset, skipping: [])
    }
}
