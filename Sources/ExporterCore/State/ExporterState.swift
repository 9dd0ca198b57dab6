import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import Exposition
import Foundation
import SLA
import Store
import Vocabulary

/// The exporter's live state: what the collectors last saw and how their polls went.
/// Collectors write into it; scrapes and /health read snapshots of it.
public actor ExporterState {
    private var snapshotValue: ExporterSnapshot {
        didSet { version &+= 1 }
    }
    /// Changes with every update, so a rendered exposition can be reused until it does.
    private var version: UInt64 = 0
    private var labelCache: [Int64: (name: String, labels: LabelSet)] = [:]
    private let requests: RequestCounter
    private var storageByWriter: [StorageWriter: StorageStatus] = [:]
    private var flowsSequence: Int64 = 0

    public init(startedAt: Date = Date(), storagePath: String, intervals: [Resource: Double], requests: RequestCounter) {
        snapshotValue = ExporterSnapshot(takenAt: startedAt, startedAt: startedAt)
        snapshotValue.storagePath = storagePath
        snapshotValue.intervals = intervals
        self.requests = requests
    }

    /// Limits the resources reported to those this state's pollers poll.
    public func limitResources(to resources: Set<Resource>) { snapshotValue.resourceScope = resources }

    /// The current state; cheap (copy-on-write arrays).
    public func snapshot() -> ExporterSnapshot {
        var copy = snapshotValue
        copy.takenAt = Date()
        copy.apiRequests = requests.snapshot
        copy.apiRequestDurations = requests.durations
        copy.version = ExporterSnapshot.Version(state: version, requests: requests.total)
        return copy
    }

    // MARK: Updates from collectors

    /// Replaces the flow metrics (after an ingestion or a flow-list poll). A read older than
    /// the one already published (`sequence`) is dropped: it would bring back a deleted flow.
    public func setFlows(_ metrics: [FlowMetrics], sequence: Int64? = nil) {
        if let sequence {
            guard sequence > flowsSequence else { return }
            flowsSequence = sequence
        }
        var seen = Set<Int64>()
        let settings = snapshotValue.exportSettings
        snapshotValue.flows = metrics.map { flow in
            seen.insert(flow.flow.id)
            // Tags can change without the name: the selection is cheap enough to redo.
            let exported = settings.exports(flow.flow)
            var series: FlowSeries
            if let cached = labelCache[flow.flow.id], cached.name == flow.flow.name {
                series = FlowSeries(metrics: flow, labels: cached.labels, exported: exported)
            } else {
                var pairs = [("flow_id", String(flow.flow.id))]
                if settings.flowNameLabel { pairs.append(("flow_name", flow.flow.name)) }
                let labels = LabelSet(pairs)
                labelCache[flow.flow.id] = (flow.flow.name, labels)
                series = FlowSeries(metrics: flow, labels: labels, exported: exported)
            }
            series.kind = kind(of: flow.flow)
            return series
        }
        labelCache = labelCache.filter { seen.contains($0.key) }
    }

    /// A flow's kind from what is known: a stream selected, else its schedules once they have
    /// been read (nil before).
    private func kind(of flow: FlowRecord) -> FlowKind? {
        let streaming = snapshotValue.streams[flow.id] != nil || snapshotValue.streamingFlows?.matches(flow) == true
        guard streaming || snapshotValue.schedules != nil else { return nil }
        return FlowKind.of(streaming: streaming, scheduled: snapshotValue.schedules?[flow.id]?.isEmpty == false)
    }

    private func updateKinds() {
        for index in snapshotValue.flows.indices {
            snapshotValue.flows[index].kind = kind(of: snapshotValue.flows[index].metrics.flow)
        }
    }

    /// Flows treated as streams (`etlworks.streaming_flows`).
    public func setStreamingFlows(_ selector: FlowSelector?) {
        snapshotValue.streamingFlows = selector
        updateKinds()
    }

    public func setLastSuccessLookedUp(_ found: [Int64: Double]) { snapshotValue.lastSuccessLookedUp = found }

    /// The streams read (`StreamsCollector`); a flow with one is streaming.
    public func setStreams(_ streams: [Int64: StreamStatus]) {
        let newStream = streams.keys.contains { snapshotValue.streams[$0] == nil }
        snapshotValue.streams = streams
        if newStream { updateKinds() }
    }

    /// Each flow's kind, as far as it is known.
    public func flowKinds() -> [Int64: FlowKind] {
        snapshotValue.flows.reduce(into: [:]) { kinds, flow in kinds[flow.metrics.flow.id] = flow.kind }
    }

    /// The ids of the flows listed.
    public func flowIds() -> Set<Int64> { Set(snapshotValue.flows.map(\.metrics.flow.id)) }

    /// What `/metrics` exports (`metrics:`); applied to the flows at once.
    public func setExportSettings(_ settings: MetricsSettings) {
        snapshotValue.exportSettings = settings
        labelCache = [:]
        setFlows(snapshotValue.flows.map(\.metrics))
    }

    public func setAgents(_ agents: [Agent]) { snapshotValue.agents = agents }

    /// Keeps the enabled schedules of each flow, in the order listed.
    public func setSchedules(_ schedules: [FlowSchedule]) {
        var byFlow: [Int64: [FlowSchedule]] = [:]
        for schedule in schedules where schedule.enabled { byFlow[schedule.flowId, default: []].append(schedule) }
        snapshotValue.schedules = byFlow
        updateKinds()
        updateExpectations()
    }

    /// Each flow's p95 run time over 30 days (flows with at least 5 runs).
    public func setRecentRunTimes(_ p95: [Int64: Double]) {
        snapshotValue.recentRunTimes = p95
        updateExpectations()
    }

    /// The zone cron schedules fire in.
    public func setScheduleTimeZone(_ zone: TimeZone) {
        snapshotValue.scheduleTimeZone = zone
        updateExpectations()
    }

    private func updateExpectations() {
        let now = Date().timeIntervalSince1970
        let schedules = snapshotValue.schedules ?? [:]
        var expectations: [Int64: FlowExpectation] = [:]
        for flow in Set(schedules.keys).union(snapshotValue.recentRunTimes.keys) {
            let expectation = FlowExpectation.of(
                schedules: schedules[flow] ?? [], recentP95: snapshotValue.recentRunTimes[flow], now: now,
                timeZone: snapshotValue.scheduleTimeZone)
            if expectation != FlowExpectation() { expectations[flow] = expectation }
        }
        snapshotValue.expectations = expectations
    }

    public func setSLA(_ sla: SLASnapshot) { snapshotValue.sla = sla }

    public func setNotificationStats(_ stats: NotificationStats, receiver: String) {
        snapshotValue.notifications[receiver] = stats
    }

    public func setPushStats(_ stats: PushStats) { snapshotValue.push = stats }

    public func setSubscription(_ subscription: Subscription?) { snapshotValue.subscription = subscription }

    public func setSummary(_ summary: ExecutionsSummary, window: Double) {
        snapshotValue.summary = summary
        snapshotValue.summaryWindow = window
    }

    public func setInstance(up: Bool, info: SystemInfo?) {
        snapshotValue.instanceUp = up
        if let info { snapshotValue.systemInfo = info }
    }

    public func setInstanceHealth(_ health: InstanceHealth?) { snapshotValue.instanceHealth = health }

    /// Notes the shape of the latest answer of `resource`: `unrecognizedKeys` are its
    /// top-level keys when it held none of the expected fields, else nil. True when the
    /// answer is unrecognized and the one before was not (say it once).
    public func noteAnswerShape(_ resource: Resource, unrecognizedKeys: String?) -> Bool {
        let before = snapshotValue.unrecognized[resource]
        snapshotValue.unrecognized[resource] = unrecognizedKeys
        guard unrecognizedKeys != nil else { return false }
        snapshotValue.unrecognizedAnswers[resource, default: 0] += 1
        return before == nil
    }

    /// Marks a resource as not available on this instance (nil: available again).
    public func setUnavailable(_ resource: Resource, reason: String?) { snapshotValue.unavailable[resource] = reason }

    public func setExecutionsSource(_ source: ExecutionsSource) { snapshotValue.executionsSource = source }

    public func setDaysByOffset(_ byOffset: Bool) { snapshotValue.daysByOffset = byOffset }

    /// Records whether the latest write of one writer (`runs` or `history`) succeeded; the
    /// storage is failing while any writer's latest write failed.
    public func setStorage(_ status: StorageStatus, writer: StorageWriter = .runs, sizeBytes: Int64? = nil) {
        storageByWriter[writer] = status
        snapshotValue.storage =
            StorageWriter.allCases.lazy.compactMap { self.storageByWriter[$0] }
            .first { $0 != .ok } ?? .ok
        if let sizeBytes { snapshotValue.storeSizeBytes = sizeBytes }
    }

    /// Counts a request refused for missing or wrong credentials.
    public func recordAuthFailure() { snapshotValue.authFailures += 1 }

    /// Records the outcome of one poll. `apiAnswered` says whether the API gave an HTTP
    /// answer the poll could use (false for transport errors, timeouts and 5xx).
    public func recordPoll(
        _ resource: Resource, started: Date, duration: Double, error: String?,
        skipped: Int = 0, apiAnswered: Bool, refusedForRole: Bool = false
    ) {
        var status = snapshotValue.polls[resource] ?? PollStatus()
        status.lastRefusedForRole = refusedForRole
        status.lastAttempt = started
        status.lastDuration = duration
        status.skippedRecords += Int64(skipped)
        status.lastAnswered = apiAnswered
        if let error {
            status.lastError = error
            status.failures += 1
            status.consecutiveFailures += 1
        } else {
            status.lastError = nil
            status.lastSuccess = started.addingTimeInterval(duration)
            status.successes += 1
            status.consecutiveFailures = 0
        }
        snapshotValue.polls[resource] = status
        snapshotValue.apiUp = apiAnswered
    }
}
