import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import Foundation
import SLA
import Vocabulary

/// A consistent view of everything the exporter knows, taken at one moment. Scrapes and
/// /health render from it and never wait on the API.
public struct ExporterSnapshot: Sendable {
    /// Identifies what the snapshot holds: equal versions render the same exposition.
    public struct Version: Hashable, Sendable {
        var state: UInt64
        var requests: Int64
    }

    public var version = Version(state: 0, requests: 0)
    /// HTTP requests refused for missing or wrong credentials.
    public var authFailures: Int64 = 0
    public var takenAt: Date
    public var startedAt: Date
    public var flows: [FlowSeries] = []
    public var agents: [Agent]?
    /// Each flow's enabled schedules, when a rule needs schedules.
    public var schedules: [Int64: [FlowSchedule]]?
    /// The latest SLA evaluation.
    public var sla = SLASnapshot()
    /// Delivery counts per notification receiver (`alertmanager`, `webhook:<host>`).
    public var notifications: [String: NotificationStats] = [:]
    /// The webhook endpoint's counters; nil without `push`.
    public var push: PushStats?
    public var subscription: Subscription?
    public var summary: ExecutionsSummary?
    /// The window the summary covers, seconds.
    public var summaryWindow: Double = 86400
    public var instanceUp: Bool?
    /// Every node's health from the root `/health`; nil when not read (or not available).
    public var instanceHealth: InstanceHealth?
    /// Resources whose latest answer held none of the expected fields: its top-level keys.
    public var unrecognized: [Resource: String] = [:]
    /// Such answers per resource, all time.
    public var unrecognizedAnswers: [Resource: Int64] = [:]
    /// Resources this instance does not have (a 404 for good), with why.
    public var unavailable: [Resource: String] = [:]
    public var systemInfo: SystemInfo?
    public var polls: [Resource: PollStatus] = [:]
    public var intervals: [Resource: Double] = [:]
    public var apiRequests: [RequestCounter.Key: Int64] = [:]
    /// How long API requests took, by endpoint template.
    public var apiRequestDurations: [String: RequestCounter.Durations] = [:]
    public var executionsSource: ExecutionsSource = .metricsEndpoint
    /// Whether the Reporting API is asked for days by `offset` (an older instance that
    /// ignores `date`).
    public var daysByOffset = false
    public var storage: StorageStatus = .ok
    public var storagePath: String = ""
    public var storeSizeBytes: Int64 = 0
    /// What `/metrics` exports (`metrics:`); the per-flow part is applied to `flows` already.
    public var exportSettings = MetricsSettings()
    /// Flows treated as streams (`etlworks.streaming_flows`).
    public var streamingFlows: FlowSelector?
    /// The stream of each flow known to stream (selected, or a stream task seen).
    public var streams: [Int64: StreamStatus] = [:]
    /// This process's figures (`process_*`), read at the scrape: not part of the cached document.
    public var process: ProcessStats?
    /// Per flow with no stored success, when its own history says it last succeeded (or the
    /// look-back bound), epoch seconds (`SuccessLookbackCollector`).
    public var lastSuccessLookedUp: [Int64: Double] = [:]
    /// Each flow's expectation (cadence, coming firings, run time); flows with none absent.
    public var expectations: [Int64: FlowExpectation] = [:]
    /// Each flow's nearest-rank p95 run time over 30 days, for flows with at least 5 runs.
    public var recentRunTimes: [Int64: Double] = [:]
    /// The zone cron schedules fire in (`etlworks.scheduler_timezone`).
    public var scheduleTimeZone = TimeZone(identifier: "UTC")!
    /// Whether the API answered the latest poll of any resource (nil before the first).
    public var apiUp: Bool?

    public init(takenAt: Date, startedAt: Date) {
        self.takenAt = takenAt
        self.startedAt = startedAt
    }

    /// The resources this exporter polls: those polled on demand only when they have an
    /// interval (the runtime gives one to each resource it polls).
    public var polledResources: [Resource] {
        Resource.allCases.sorted().filter {
            (!$0.isPolledOnDemand || intervals[$0] != nil) && resourceScope?.contains($0) != false
        }
    }

    /// The resources this state's pollers poll, when not all (with tenants: a tenant's own,
    /// or the instance's health).
    public var resourceScope: Set<Resource>?
}
