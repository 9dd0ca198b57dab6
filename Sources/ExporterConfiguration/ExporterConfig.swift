import Alerting
import EtlworksAPI
import Foundation
import SLA
import SeriesQuery
import Store
import Vocabulary

/// The validated configuration of the daemon. Every field has a default except the API URL
/// and credentials; see README.md, "Configuration".
public struct ExporterConfig: Sendable {
    /// Where and how to reach the Etlworks API.
    public struct API: Sendable {
        public var url: URL
        public var credentials: Credentials
        public var timeout: Double = ConfigKeys.seconds("etlworks.timeout")
        public var maxRequestsPerSecond: Double = ConfigKeys.positive("etlworks.max_requests_per_second")
        /// The tenant's time zone: `/v1/metrics/executions?date=` takes days in it. When
        /// unknown (nil), every date that is "today" somewhere on Earth is polled.
        public var timeZone: TimeZone?
        /// At most this many runs are read per flow and poll in the history fallback.
        public var maxHistoryPerFlow: Int = ConfigKeys.count("etlworks.max_history_per_flow")
        /// The longest wait a Retry-After may impose, seconds.
        public var maxRetryAfter: Double = ConfigKeys.seconds("etlworks.max_retry_after")
        /// How long a `canceled` run must keep its status, after it ended, to count as final
        /// (a stopped run turns into `error` or `success` minutes later), seconds.
        public var stopGrace: Double = ConfigKeys.seconds("etlworks.stop_grace")
        /// Timeout of the answers that may be large (a day's executions, the flow list), seconds.
        public var largeResponseTimeout: Double = ConfigKeys.seconds("etlworks.large_response_timeout")
        /// The largest answer read, bytes.
        public var maxResponseBytes: Int64 = ConfigKeys.bytes("etlworks.max_response_bytes")
        /// The zone cron schedules fire in (`etlworks.scheduler_timezone`); nil: `timeZone`,
        /// else UTC.
        public var schedulerTimeZone: TimeZone?
        /// Flows treated as streams (`etlworks.streaming_flows`).
        public var streamingFlows: FlowSelector?
        /// The tenants watched (`etlworks.tenants`); nil: the credentials' own.
        public var tenants: TenantSelection?
        /// How long a run of a flow not known to stream runs before its tasks are asked, once,
        /// whether it is a stream, seconds.
        public var streamProbeAfter: Double = ConfigKeys.seconds("etlworks.stream_probe_after")
        /// The unit the running-tasks API gives latency in: `ms` or `s`.
        public var streamLatencyUnit = ConfigKeys.choice("etlworks.stream_latency_unit")
        /// Running-tasks requests per streams poll, at most.
        public var maxStreamProbes: Int = ConfigKeys.count("etlworks.max_stream_probes")
        /// The unit of a numeric `schedule` in `/v1/schedules` (the API page says minutes, the
        /// UI page seconds).
        public var scheduleIntervalUnit = ScheduleIntervalUnit(rawValue: ConfigKeys.choice("etlworks.schedule_interval_unit"))!

        public init(url: URL, credentials: Credentials) {
            self.url = url
            self.credentials = credentials
        }
    }

    /// How often each resource is polled, seconds.
    public struct Poll: Sendable {
        public var executions: Double = ConfigKeys.seconds("poll.executions")
        public var flows: Double = ConfigKeys.seconds("poll.flows")
        public var summary: Double = ConfigKeys.seconds("poll.summary")
        public var agents: Double = ConfigKeys.seconds("poll.agents")
        public var billing: Double = ConfigKeys.seconds("poll.billing")
        public var health: Double = ConfigKeys.seconds("poll.health")
        public var schedules: Double = ConfigKeys.seconds("poll.schedules")
        public var instanceHealth: Double = ConfigKeys.seconds("poll.instance_health")
        public var streams: Double = ConfigKeys.seconds("poll.streams")
        /// How far back executions are read on first start (and after an outage).
        public var backfill: Double = ConfigKeys.seconds("poll.backfill")

        public init() {}

        /// The interval of one resource.
        public func interval(of resource: Resource) -> Double {
            switch resource {
            case .executions: return executions
            case .flows: return flows
            case .summary: return summary
            case .agents: return agents
            case .billing: return billing
            case .health: return health
            case .schedules: return schedules
            case .instanceHealth: return instanceHealth
            case .streams: return streams
            // Once per flow, a few flows a minute.
            case .lookback: return 60
            }
        }
    }

    public struct Storage: Sendable {
        public var path = "./etlworks-exporter.db"
        /// How long each tier of the time series keeps its rows.
        public var retention = RetentionPolicy.standard
        public init() {}
    }

    public struct Web: Sendable {
        public var listenAddress = "127.0.0.1:9720"
        /// The exporter-toolkit web configuration (basic auth users, TLS); nil: open HTTP.
        public var configFile: String?
        /// Whether /health asks for the password too (/-/healthy and /-/ready never do).
        public var healthRequiresAuth = ConfigKeys.flag("web.health_requires_auth")
        /// Connections open at once; more are closed as they are accepted.
        public var maxConnections: Int = ConfigKeys.count("web.max_connections")
        public init() {}
    }

    public struct Log: Sendable {
        public var level = ConfigKeys.choice("log.level")
        public var format = ConfigKeys.choice("log.format")
        public init() {}
    }

    public var api: API
    public var poll = Poll()
    public var storage = Storage()
    public var query = SeriesQueryLimits()
    /// What `/metrics` exports.
    public var metrics = MetricsSettings()
    public var web = Web()
    public var log = Log()
    /// SLA rules (`sla:`), evaluated after every poll.
    public var sla: [SLARule] = []
    /// When no SLA breach starts for the flows a window covers (`maintenance:`).
    public var maintenance: [MaintenanceWindow] = []
    /// How far back `max_since_success` looks in a flow's own history (`sla.lookback`).
    public var slaLookback: Double = ConfigKeys.seconds("sla.lookback")
    public var notifications = NotificationConfig()
    /// Runs pushed by Etlworks webhooks; nil: the webhook endpoint is off.
    public var push: PushSettings?

    /// Every secret of the configuration — the API's, the notification webhooks', the push
    /// endpoint's — for the log and error messages to scrub.
    public var secrets: [String] { api.credentials.secrets + notifications.secrets + (push?.secrets ?? []) }
    /// How breaching rules set the /health status.
    public var slaHealth = SLAHealthPolicy()

    public init(api: API) {
        self.api = api
    }
}

/// The unit of a schedule given as an interval (`etlworks.schedule_interval_unit`).
public enum ScheduleIntervalUnit: String, Sendable, CaseIterable {
    case minutes, seconds

    public var seconds: Double { self == .minutes ? 60 : 1 }
}
