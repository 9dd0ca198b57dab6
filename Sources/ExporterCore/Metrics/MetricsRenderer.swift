import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import Exposition
import Foundation
import Store
import Synchronization
import Vocabulary

/// Renders a snapshot as Prometheus text or OpenMetrics. Pure: the same snapshot gives the
/// same bytes. Every family is documented in README.md, "Metrics".
public enum MetricsRenderer {
    private static let statusLabels: [RunStatus: LabelSet] = Dictionary(
        uniqueKeysWithValues: RunStatus.allCases.map { ($0, LabelSet([("status", $0.rawValue)])) })
    /// Statuses always exported for every flow, so that `increase()` sees the first run of each.
    private static let alwaysExported: [RunStatus] = [.success, .warning, .error, .canceled]
    /// Their labels, in the same order (a dictionary look-up per sample cost 4 % of a render).
    private static let alwaysExportedLabels = alwaysExported.map { statusLabels[$0]! }

    /// The size of the last document, per flow: the next one is reserved at once, so that
    /// an 8 MiB scrape is not copied as its buffer grows (a tenth of a render's time).
    private static let bytesPerFlow = Mutex<Int>(3000)

    /// What a document holds: all of one tenant's exporter, or with `etlworks.tenants`, one
    /// tenant's part (its flows, agents, billing, summary and polls, every sample with its
    /// `tenant_id`) or the instance's part (its health, the exporter itself, SLA, push).
    enum Part {
        case whole, tenant, instance

        var hasTenant: Bool { self != .instance }
        var hasInstance: Bool { self != .tenant }
    }

    public static func render(_ snapshot: ExporterSnapshot, format: ExpositionFormat) -> [UInt8] {
        let flows = max(1, snapshot.flows.count)
        var writer = writer(snapshot, format: format, flows: flows)
        var budget = snapshot.exportSettings.maxFlows
        _ = write(snapshot, .whole, budget: &budget, overLimit: 0, into: &writer)
        let document = writer.finish()
        bytesPerFlow.withLock { $0 = document.count / flows }
        return document
    }

    /// A tenant of `render(instance:tenants:format:)`: its state and whether it is up.
    public struct TenantPart: Sendable {
        public var tenant: Tenant
        public var snapshot: ExporterSnapshot
        public var up: Bool

        public init(tenant: Tenant, snapshot: ExporterSnapshot, up: Bool) {
            self.tenant = tenant
            self.snapshot = snapshot
            self.up = up
        }
    }

    /// The document of an exporter watching several tenants: each tenant's families with its
    /// `tenant_id`, merged family by family with the instance's and the tenant list's.
    /// `metrics.max_flows` counts the flows of every tenant, in the order given.
    public static func render(instance: ExporterSnapshot, tenants: [TenantPart], format: ExpositionFormat) -> [UInt8] {
        var budget = instance.exportSettings.maxFlows
        var overLimit = 0
        var documents: [[ExpositionPart]] = []
        for part in tenants {
            var writer = writer(
                part.snapshot, format: format, flows: part.snapshot.flows.count,
                baseLabels: LabelSet([("tenant_id", part.tenant.id)]))
            overLimit = write(part.snapshot, .tenant, budget: &budget, overLimit: overLimit, into: &writer)
            documents.append(writer.finishParts())
        }
        // One database: a tenant's writes failing is the store failing.
        var instance = instance
        if instance.storage == .ok, let failing = tenants.first(where: { $0.snapshot.storage != .ok }) {
            instance.storage = failing.snapshot.storage
        }
        var shared = writer(instance, format: format, flows: 0, inParts: true)
        writeWatchedTenants(tenants, into: &shared)
        _ = write(instance, .instance, budget: &budget, overLimit: overLimit, into: &shared)
        documents.append(shared.finishParts())
        return ExpositionPart.merge(documents, format: format)
    }

    private static func writer(
        _ snapshot: ExporterSnapshot, format: ExpositionFormat, flows: Int, baseLabels: LabelSet? = nil,
        inParts: Bool = false
    ) -> ExpositionWriter {
        let perFlow = bytesPerFlow.withLock { $0 }
        return ExpositionWriter(
            format: format, reservingCapacity: 4096 + flows * (perFlow + perFlow / 16),
            disabled: snapshot.exportSettings.disabled, classicHistograms: snapshot.exportSettings.classicHistograms,
            baseLabels: baseLabels ?? .empty, inParts: inParts || baseLabels != nil)
    }

    /// Writes `part` of a snapshot; returns the flows left out so far for `budget`.
    private static func write(
        _ snapshot: ExporterSnapshot, _ part: Part, budget: inout Int, overLimit: Int, into writer: inout ExpositionWriter
    ) -> Int {
        var overLimit = overLimit
        if part.hasTenant {
            overLimit += writeFlows(snapshot, budget: &budget, into: &writer)
            writeAgents(snapshot, into: &writer)
            writeBilling(snapshot, into: &writer)
            writeSummary(snapshot, into: &writer)
        }
        if part.hasInstance { writeInstance(snapshot, into: &writer) }
        // With tenants, each tenant's rules are its own (the instance's part has none).
        writeSLA(snapshot, into: &writer)
        writeExporter(snapshot, part, overLimit: overLimit, into: &writer)
        if part.hasInstance { writeNotifications(snapshot, into: &writer) }
        // With tenants, each tenant has its own webhook path and receiver.
        if part.hasTenant { writePush(snapshot, into: &writer) }
        if part.hasInstance, let process = snapshot.process { writeProcess(process, into: &writer) }
        return overLimit
    }

    private static func writeWatchedTenants(_ tenants: [TenantPart], into writer: inout ExpositionWriter) {
        writer.family(WatchedTenantFamilies.info)
        for part in tenants {
            writer.sample(LabelSet([("tenant_id", part.tenant.id), ("tenant_name", part.tenant.name)]), 1)
        }
        writer.family(WatchedTenantFamilies.up)
        for part in tenants { writer.sample(LabelSet([("tenant_id", part.tenant.id)]), part.up ? 1 : 0) }
        writer.family(WatchedTenantFamilies.count)
        writer.sample(.empty, Double(tenants.count))
    }

    // MARK: Flows

    /// Each flow's cadence, next firing and expected run time, where known.
    private static func writeExpectations(
        _ snapshot: ExporterSnapshot, exported: [Int], into writer: inout ExpositionWriter
    ) {
        let expectations = snapshot.expectations
        guard !expectations.isEmpty else { return }
        let now = snapshot.takenAt.timeIntervalSince1970
        writePerFlow(FlowExpectationFamilies.scheduleInterval, snapshot, exported, expectations, into: &writer) { $0.interval }
        writePerFlow(FlowExpectationFamilies.nextScheduledRun, snapshot, exported, expectations, into: &writer) {
            $0.nextRun(after: now)
        }
        writePerFlow(FlowExpectationFamilies.expectedDuration, snapshot, exported, expectations, into: &writer) { $0.duration }
    }

    private static func writeStreams(_ snapshot: ExporterSnapshot, exported: [Int], into writer: inout ExpositionWriter) {
        let streams = snapshot.streams
        guard !streams.isEmpty else { return }
        writePerFlow(StreamFamilies.up, snapshot, exported, streams, into: &writer) { $0.up.map { $0 ? 1 : 0 } }
        writePerFlow(StreamFamilies.latency, snapshot, exported, streams, into: &writer) { $0.latencySeconds }
        writePerFlow(StreamFamilies.recordsProcessed, snapshot, exported, streams, into: &writer) { Double($0.recordsProcessed) }
        writePerFlow(StreamFamilies.started, snapshot, exported, streams, into: &writer) {
            $0.started.map { EpochMillis.seconds($0) }
        }
        writePerFlow(StreamFamilies.lastProgress, snapshot, exported, streams, into: &writer) {
            $0.lastProgress.map { EpochMillis.seconds($0) }
        }
    }

    /// One family whose value comes from what is known of some flows (keyed by flow id):
    /// a sample per exported flow (`exported`: their indices in `snapshot.flows`) that has a value.
    private static func writePerFlow<Known>(
        _ family: MetricDescriptor, _ snapshot: ExporterSnapshot, _ exported: [Int], _ known: [Int64: Known],
        into writer: inout ExpositionWriter, value: (Known) -> Double?
    ) {
        writer.family(family)
        let flows = snapshot.flows
        for index in exported {
            if let entry = known[flows[index].metrics.flow.id], let value = value(entry) {
                writer.sample(flows[index].labels, value)
            }
        }
    }

    /// Writes the per-flow families of at most `budget` exported flows (taking them from it);
    /// returns how many were left out for it.
    private static func writeFlows(
        _ snapshot: ExporterSnapshot, budget: inout Int, into writer: inout ExpositionWriter
    ) -> Int {
        // The loops read `flows[index]` in place: `for flow in flows` copied each flow (a retain
        // and a release of each of its arrays and dictionaries), a tenth of a 2,000-flow render.
        let flows = snapshot.flows
        var exported = flows.indices.filter { flows[$0].exported }
        let overLimit = max(0, exported.count - budget)
        if overLimit > 0 { exported.removeLast(overLimit) }
        budget -= exported.count
        // Without flow_name on every series, the info metric alone carries it (for joins).
        let nameOnInfo = !snapshot.exportSettings.flowNameLabel
        writer.family(FlowListFamilies.info)
        for index in exported {
            let record = flows[index].metrics.flow
            var extra = LabelSet.empty
            if nameOnInfo { extra.append("flow_name", record.name) }
            extra.append("flow_type", record.flowType ?? "")
            extra.append("kind", flows[index].kind?.rawValue ?? "unknown")
            extra.append("tags", record.tags.isEmpty ? "" : "," + record.tags.joined(separator: ",") + ",")
            writer.sample(flows[index].labels, extra: extra, 1)
        }
        writeExpectations(snapshot, exported: exported, into: &writer)
        writeStreams(snapshot, exported: exported, into: &writer)
        // One series per tag, so that dashboards can list tags with label_values().
        writer.family(FlowListFamilies.tagInfo)
        for index in exported {
            for tag in flows[index].metrics.flow.tags { writer.sample(flows[index].labels, extra: LabelSet([("tag", tag)]), 1) }
        }
        writer.family(FlowRunFamilies.runs)
        for index in exported {
            for (status, label) in zip(alwaysExported, alwaysExportedLabels) {
                writer.sample(flows[index].labels, extra: label, Double(flows[index].metrics.completedRuns[status] ?? 0))
            }
            if let unknown = flows[index].metrics.completedRuns[.unknown], unknown > 0 {
                writer.sample(flows[index].labels, extra: statusLabels[.unknown]!, Double(unknown))
            }
        }
        writer.family(FlowRunFamilies.runDuration)
        let durationLayout = HistogramLayout(upperBounds: snapshot.exportSettings.durationBuckets.upperBoundsSeconds)
        var cumulative = [UInt64](repeating: 0, count: durationLayout.leLabels.count)
        for index in exported {
            var running: UInt64 = 0
            for (bucket, count) in flows[index].metrics.durationBucketCounts.enumerated() where bucket < cumulative.count {
                running += count
                cumulative[bucket] = running
            }
            writer.histogram(
                flows[index].labels, layout: durationLayout, cumulativeCounts: cumulative,
                sum: flows[index].metrics.durationSumSeconds,
                native: writer.format == .protobuf
                    ? flows[index].metrics.nativeDuration
                        ?? NativeHistogram(schema: snapshot.exportSettings.nativeHistogramSchema) : nil)
        }
        writer.family(FlowRunFamilies.recordsProcessed)
        for index in exported { writer.sample(flows[index].labels, Double(flows[index].metrics.recordsProcessed)) }

        writer.family(FlowRunFamilies.lastRunDuration)
        for index in exported {
            if let value = flows[index].metrics.lastDurationSeconds { writer.sample(flows[index].labels, value) }
        }
        writer.family(FlowRunFamilies.lastRunEnd)
        for index in exported {
            if let value = flows[index].metrics.lastEnd { writer.sample(flows[index].labels, EpochMillis.seconds(value)) }
        }
        writer.family(FlowRunFamilies.lastSuccess)
        for index in exported {
            if let value = flows[index].metrics.lastSuccessEnd {
                writer.sample(flows[index].labels, EpochMillis.seconds(value))
            }
        }
        writer.family(FlowRunFamilies.lastRunStatus)
        let currentOnly = snapshot.exportSettings.statusSeries == .current
        for index in exported {
            guard let last = flows[index].metrics.lastStatus else { continue }
            if currentOnly {
                writer.sample(flows[index].labels, extra: statusLabels[last]!, 1)
                continue
            }
            for (status, label) in zip(alwaysExported, alwaysExportedLabels) {
                writer.sample(flows[index].labels, extra: label, last == status ? 1 : 0)
            }
            if last == .unknown { writer.sample(flows[index].labels, extra: statusLabels[.unknown]!, 1) }
        }
        writer.family(FlowRunFamilies.runningRuns)
        for index in exported { writer.sample(flows[index].labels, Double(flows[index].metrics.running)) }
        writer.family(FlowRunFamilies.queuedRuns)
        for index in exported { writer.sample(flows[index].labels, Double(flows[index].metrics.queued)) }
        writer.family(FlowRunFamilies.stoppingRuns)
        for index in exported { writer.sample(flows[index].labels, Double(flows[index].metrics.stopping)) }
        writer.family(FlowRunFamilies.retryRuns)
        for index in exported {
            writer.sample(flows[index].labels, Double(flows[index].metrics.completedRunsByKind[.retry] ?? 0))
        }
        writer.family(FlowRunFamilies.manualRuns)
        for index in exported {
            writer.sample(flows[index].labels, Double(flows[index].metrics.completedRunsByKind[.manual] ?? 0))
        }
        writer.family(FlowRunFamilies.oldestRunningStart)
        for index in exported {
            if let value = flows[index].metrics.oldestRunningStart {
                writer.sample(flows[index].labels, EpochMillis.seconds(value))
            }
        }
        return overLimit
    }

    // MARK: Agents, billing, tenant

    private static let agentStateLabels = Dictionary(
        uniqueKeysWithValues: Agent.State.allCases.map { ($0, LabelSet([("state", $0.rawValue)])) })

    private static func writeAgents(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        guard let agents = snapshot.agents else { return }
        let labels = agents.map { LabelSet([("agent_id", $0.id), ("agent_name", $0.name)]) }
        writer.family(AgentFamilies.up)
        for (agent, label) in zip(agents, labels) { writer.sample(label, agent.online ? 1 : 0) }
        writer.family(AgentFamilies.state)
        for (agent, label) in zip(agents, labels) {
            for state in Agent.State.allCases {
                writer.sample(label, extra: agentStateLabels[state]!, agent.state == state ? 1 : 0)
            }
        }
        writer.family(AgentFamilies.lastSeen)
        for (agent, label) in zip(agents, labels) {
            if let seen = agent.lastSeen { writer.sample(label, EpochMillis.seconds(seen)) }
        }
        writer.family(AgentFamilies.updaterUp)
        for (agent, label) in zip(agents, labels) {
            if let running = agent.updaterRunning { writer.sample(label, running ? 1 : 0) }
        }
        writer.family(AgentFamilies.info)
        for (agent, label) in zip(agents, labels) {
            writer.sample(label, extra: LabelSet([("version", agent.version ?? ""), ("os", agent.os ?? "")]), 1)
        }
    }

    private static func writeBilling(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        guard let subscription = snapshot.subscription else { return }
        let month = LabelSet([("period", "month")])
        let day = LabelSet([("period", "day")])
        writer.family(BillingFamilies.recordsUsed)
        if let value = subscription.monthUsed { writer.sample(month, Double(value)) }
        if let value = subscription.todayUsed { writer.sample(day, Double(value)) }
        writer.family(BillingFamilies.recordsAllowance)
        if let value = subscription.monthlyAllowance { writer.sample(month, Double(value)) }
        if let value = subscription.dailyAllowance { writer.sample(day, Double(value)) }
        writer.family(BillingFamilies.seatsUsed)
        if let value = subscription.seatsUsed { writer.sample(.empty, Double(value)) }
        writer.family(BillingFamilies.seatsLimit)
        if let value = subscription.seatsTotal { writer.sample(.empty, Double(value)) }
        writer.family(BillingFamilies.periodStart)
        if let value = subscription.periodStart { writer.sample(.empty, EpochMillis.seconds(value)) }
        writer.family(BillingFamilies.periodEnd)
        if let value = subscription.periodEnd { writer.sample(.empty, EpochMillis.seconds(value)) }
        writer.family(BillingFamilies.subscription)
        writer.sample(LabelSet([("tier", subscription.tier ?? ""), ("status", subscription.status ?? "")]), 1)
    }

    private static func writeSummary(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        if let summary = snapshot.summary {
            writer.family(TenantFamilies.window)
            writer.sample(.empty, snapshot.summaryWindow)
            writer.family(TenantFamilies.runs)
            for status in [RunStatus.success, .warning, .error, .canceled, .running, .queued] {
                if let value = summary.runs[status] { writer.sample(.empty, extra: statusLabels[status]!, Double(value)) }
            }
            writer.family(TenantFamilies.successRatio)
            if let value = summary.successRatio { writer.sample(.empty, value) }
            writer.family(TenantFamilies.averageDuration)
            if let value = summary.averageDurationSeconds { writer.sample(.empty, value) }
            writer.family(TenantFamilies.maxDuration)
            if let value = summary.maxDurationSeconds { writer.sample(.empty, value) }
            writer.family(TenantFamilies.recordsProcessed)
            if let value = summary.records { writer.sample(.empty, Double(value)) }
        }
    }

    private static func writeInstance(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        writer.family(InstanceFamilies.up)
        if let up = snapshot.instanceUp { writer.sample(.empty, up ? 1 : 0) }
        if let info = snapshot.systemInfo {
            writer.family(InstanceFamilies.info)
            writer.sample(
                LabelSet([
                    ("version", info.version ?? ""), ("build", info.build ?? ""),
                    ("deployment_mode", info.deploymentMode ?? "")
                ]), 1)
        }
        if let nodes = snapshot.instanceHealth?.nodes { writeNodes(nodes, into: &writer) }
    }

    /// Node health; the `node` label only when several nodes answer.
    private static func writeNodes(_ nodes: [NodeHealth], into writer: inout ExpositionWriter) {
        let labels = nodes.map { node in nodes.count > 1 ? LabelSet([("node", node.name ?? "")]) : LabelSet.empty }
        writer.family(InstanceFamilies.componentUp)
        for (node, label) in zip(nodes, labels) {
            for (component, up) in node.components.sorted(by: { $0.key < $1.key }) {
                writer.sample(label, extra: LabelSet([("component", component)]), up ? 1 : 0)
            }
        }
        writer.family(InstanceFamilies.runningFlows)
        for (node, label) in zip(nodes, labels) { if let value = node.runningFlows { writer.sample(label, Double(value)) } }
        writer.family(InstanceFamilies.diskFree)
        for (node, label) in zip(nodes, labels) {
            for (disk, space) in node.disks.sorted(by: { $0.key < $1.key }) {
                if let free = space.freeBytes { writer.sample(label, extra: LabelSet([("disk", disk)]), Double(free)) }
            }
        }
        writer.family(InstanceFamilies.diskTotal)
        for (node, label) in zip(nodes, labels) {
            for (disk, space) in node.disks.sorted(by: { $0.key < $1.key }) {
                if let total = space.totalBytes { writer.sample(label, extra: LabelSet([("disk", disk)]), Double(total)) }
            }
        }
        writer.family(InstanceFamilies.heapUsed)
        for (node, label) in zip(nodes, labels) { if let value = node.heapUsedBytes { writer.sample(label, Double(value)) } }
        writer.family(InstanceFamilies.heapMax)
        for (node, label) in zip(nodes, labels) { if let value = node.heapMaxBytes { writer.sample(label, Double(value)) } }
        writer.family(InstanceFamilies.systemLoad)
        for (node, label) in zip(nodes, labels) { if let value = node.systemLoad { writer.sample(label, value) } }
    }

    // MARK: The exporter itself

    /// The `process_*` families alone, to go before a document rendered earlier (they change
    /// at every scrape, the rest only when the state does).
    public static func render(process: ProcessStats, format: ExpositionFormat, disabled: Set<String>) -> [UInt8] {
        var writer = ExpositionWriter(format: format, reservingCapacity: 1024, disabled: disabled)
        writeProcess(process, into: &writer)
        return writer.finish(endOfDocument: false)
    }

    private static func writeProcess(_ process: ProcessStats, into writer: inout ExpositionWriter) {
        writer.family(ProcessFamilies.cpu)
        writer.sample(.empty, process.cpuSeconds)
        writer.family(ProcessFamilies.residentMemory)
        writer.sample(.empty, process.residentBytes)
        writer.family(ProcessFamilies.virtualMemory)
        writer.sample(.empty, process.virtualBytes)
        writer.family(ProcessFamilies.openFds)
        if let value = process.openFds { writer.sample(.empty, value) }
        writer.family(ProcessFamilies.maxFds)
        if let value = process.maxFds { writer.sample(.empty, value) }
        writer.family(ProcessFamilies.startTime)
        writer.sample(.empty, process.startTimeSeconds)
    }

    /// The exporter's own families: its polls in every part (a tenant's with its tenant_id),
    /// the rest in the instance's.
    private static func writeExporter(
        _ snapshot: ExporterSnapshot, _ part: Part, overLimit: Int, into writer: inout ExpositionWriter
    ) {
        if part.hasInstance {
            writer.family(ExporterFamilies.up)
            writer.sample(.empty, snapshot.apiUp == true ? 1 : 0)
        }
        let resources = snapshot.polledResources
        let resourceLabels = Dictionary(uniqueKeysWithValues: resources.map { ($0, LabelSet([("resource", $0.rawValue)])) })
        writer.family(ExporterFamilies.polls)
        for resource in resources {
            let status = snapshot.polls[resource] ?? PollStatus()
            writer.sample(resourceLabels[resource]!, "result", "success", Double(status.successes))
            writer.sample(resourceLabels[resource]!, "result", "error", Double(status.failures))
        }
        writer.family(ExporterFamilies.pollDuration)
        for resource in resources {
            if let value = snapshot.polls[resource]?.lastDuration { writer.sample(resourceLabels[resource]!, value) }
        }
        writer.family(ExporterFamilies.lastPollSuccess)
        for resource in resources {
            if let value = snapshot.polls[resource]?.lastSuccess {
                writer.sample(resourceLabels[resource]!, value.timeIntervalSince1970)
            }
        }
        writer.family(ExporterFamilies.skippedRecords)
        for resource in resources {
            writer.sample(resourceLabels[resource]!, Double(snapshot.polls[resource]?.skippedRecords ?? 0))
        }
        writer.family(ExporterFamilies.unrecognizedAnswers)
        for resource in resources {
            writer.sample(resourceLabels[resource]!, Double(snapshot.unrecognizedAnswers[resource] ?? 0))
        }
        if part.hasTenant { writeExecutionsSource(snapshot, into: &writer) }
        guard part.hasInstance else { return }
        writer.family(ExporterFamilies.flowsOverLimit)
        writer.sample(.empty, Double(overLimit))
        writer.family(ExporterFamilies.apiRequests)
        for (key, count) in snapshot.apiRequests.sorted(by: { $0.key < $1.key }) {
            writer.sample(LabelSet([("endpoint", key.endpoint), ("code", key.code)]), Double(count))
        }
        writer.family(ExporterFamilies.apiRequestDuration)
        for (endpoint, durations) in snapshot.apiRequestDurations.sorted(by: { $0.key < $1.key }) {
            writer.histogram(
                LabelSet([("endpoint", endpoint)]), layout: RequestCounter.durationLayout,
                cumulativeCounts: durations.cumulative, sum: durations.sum)
        }
        writer.family(ExporterFamilies.storeSize)
        writer.sample(.empty, Double(snapshot.storeSizeBytes))
        writer.family(ExporterFamilies.storeUp)
        writer.sample(.empty, snapshot.storage == .ok ? 1 : 0)
        writer.family(ExporterFamilies.authFailures)
        writer.sample(.empty, Double(snapshot.authFailures))
        writer.family(ExporterFamilies.start)
        writer.sample(.empty, snapshot.startedAt.timeIntervalSince1970)
        writer.family(ExporterFamilies.build)
        writer.sample(LabelSet([("version", BuildInfo.version), ("revision", BuildInfo.revision)]), 1)
    }

    private static func writeExecutionsSource(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        writer.family(ExporterFamilies.executionsSource)
        let fallback: Bool
        if case .historyFallback = snapshot.executionsSource { fallback = true } else { fallback = false }
        writer.sample(LabelSet([("source", "metrics")]), fallback ? 0 : 1)
        writer.sample(LabelSet([("source", "history")]), fallback ? 1 : 0)
    }

}
