import EtlworksAPI
import ExporterBase
import Exposition
import Foundation
import Store

/// Renders a snapshot as Prometheus text or OpenMetrics. Pure: the same snapshot gives the
/// same bytes. Every family is documented in README.md, "Metrics".
public enum MetricsRenderer {
    static let durationLayout = HistogramLayout(upperBounds: DurationBuckets.upperBoundsSeconds)
    private static let statusLabels: [RunStatus: LabelSet] = Dictionary(
        uniqueKeysWithValues: RunStatus.allCases.map { ($0, LabelSet([("status", $0.rawValue)])) })
    /// Statuses always exported for every flow, so that `increase()` sees the first run of each.
    private static let alwaysExported: [RunStatus] = [.success, .warning, .error, .canceled]

    public static func render(_ snapshot: ExporterSnapshot, format: ExpositionFormat) -> [UInt8] {
        var writer = ExpositionWriter(format: format, reservingCapacity: 4096 + snapshot.flows.count * 4000)
        writeFlows(snapshot, into: &writer)
        writeAgents(snapshot, into: &writer)
        writeBilling(snapshot, into: &writer)
        writeTenant(snapshot, into: &writer)
        writeSLA(snapshot, into: &writer)
        writeExporter(snapshot, into: &writer)
        writeNotifications(snapshot, into: &writer)
        return writer.finish()
    }

    // MARK: Flows

    private static func writeFlows(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        let flows = snapshot.flows
        writer.family(
            "etlworks_flow_info", type: .gauge,
            help: "Flow metadata: type and tags (comma-separated, with leading and trailing commas for regex matching). Always 1."
        )
        for flow in flows {
            let tags = flow.metrics.flow.tags.isEmpty ? "" : "," + flow.metrics.flow.tags.joined(separator: ",") + ","
            writer.sample(flow.labels, extra: LabelSet([("flow_type", flow.metrics.flow.flowType ?? ""), ("tags", tags)]), 1)
        }
        // One series per tag, so that dashboards can list tags with label_values().
        writer.family("etlworks_flow_tag_info", type: .gauge, help: "One series per tag of the flow. Always 1.")
        for flow in flows {
            for tag in flow.metrics.flow.tags { writer.sample(flow.labels, extra: LabelSet([("tag", tag)]), 1) }
        }
        writer.family("etlworks_flow_runs", type: .counter, help: "Completed runs of the flow by final status.")
        for flow in flows {
            for status in alwaysExported {
                writer.sample(flow.labels, extra: statusLabels[status]!, Double(flow.metrics.completedRuns[status] ?? 0))
            }
            if let unknown = flow.metrics.completedRuns[.unknown], unknown > 0 {
                writer.sample(flow.labels, extra: statusLabels[.unknown]!, Double(unknown))
            }
        }
        writer.family(
            "etlworks_flow_run_duration_seconds", type: .histogram,
            help: "Run time of completed runs (start to end).")
        var cumulative = [UInt64](repeating: 0, count: durationLayout.leLabels.count)
        for flow in flows {
            var running: UInt64 = 0
            for (index, count) in flow.metrics.durationBucketCounts.enumerated() where index < cumulative.count {
                running += count
                cumulative[index] = running
            }
            writer.histogram(
                flow.labels, layout: durationLayout, cumulativeCounts: cumulative, sum: flow.metrics.durationSumSeconds)
        }
        writer.family("etlworks_flow_records_processed", type: .counter, help: "Records processed by completed runs.")
        for flow in flows { writer.sample(flow.labels, Double(flow.metrics.recordsProcessed)) }

        writer.family("etlworks_flow_last_run_duration_seconds", type: .gauge, help: "Run time of the most recently ended run.")
        for flow in flows { if let value = flow.metrics.lastDurationSeconds { writer.sample(flow.labels, value) } }
        writer.family(
            "etlworks_flow_last_run_end_timestamp_seconds", type: .gauge, help: "When the most recently ended run ended.")
        for flow in flows { if let value = flow.metrics.lastEnd { writer.sample(flow.labels, seconds(value)) } }
        writer.family(
            "etlworks_flow_last_success_timestamp_seconds", type: .gauge, help: "When the most recent successful run ended.")
        for flow in flows { if let value = flow.metrics.lastSuccessEnd { writer.sample(flow.labels, seconds(value)) } }
        writer.family(
            "etlworks_flow_last_run_status", type: .gauge,
            help: "Status of the most recently ended run: 1 on the current status, 0 on the others.")
        for flow in flows {
            guard let last = flow.metrics.lastStatus else { continue }
            for status in alwaysExported {
                writer.sample(flow.labels, extra: statusLabels[status]!, last == status ? 1 : 0)
            }
            if last == .unknown { writer.sample(flow.labels, extra: statusLabels[.unknown]!, 1) }
        }
        writer.family("etlworks_flow_running_runs", type: .gauge, help: "Runs of the flow executing now.")
        for flow in flows { writer.sample(flow.labels, Double(flow.metrics.running)) }
        writer.family("etlworks_flow_queued_runs", type: .gauge, help: "Runs of the flow waiting to start.")
        for flow in flows { writer.sample(flow.labels, Double(flow.metrics.queued)) }
        writer.family(
            "etlworks_flow_oldest_running_start_timestamp_seconds", type: .gauge,
            help: "Start of the oldest run still executing; absent when none runs.")
        for flow in flows { if let value = flow.metrics.oldestRunningStart { writer.sample(flow.labels, seconds(value)) } }
    }

    // MARK: Agents, billing, tenant

    private static func writeAgents(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        guard let agents = snapshot.agents else { return }
        let labels = agents.map { LabelSet([("agent_id", String($0.id)), ("agent_name", $0.name)]) }
        writer.family("etlworks_agent_up", type: .gauge, help: "1 when the on-premise agent is online.")
        for (agent, label) in zip(agents, labels) { writer.sample(label, agent.online ? 1 : 0) }
        writer.family("etlworks_agent_last_seen_timestamp_seconds", type: .gauge, help: "The agent's last heartbeat.")
        for (agent, label) in zip(agents, labels) { if let seen = agent.lastSeen { writer.sample(label, seconds(seen)) } }
        writer.family("etlworks_agent_updater_up", type: .gauge, help: "1 when the agent's updater is running.")
        for (agent, label) in zip(agents, labels) {
            if let running = agent.updaterRunning { writer.sample(label, running ? 1 : 0) }
        }
        writer.family("etlworks_agent", type: .info, help: "Agent version and operating system.")
        for (agent, label) in zip(agents, labels) {
            writer.sample(label, extra: LabelSet([("version", agent.version ?? ""), ("os", agent.os ?? "")]), 1)
        }
    }

    private static func writeBilling(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        guard let subscription = snapshot.subscription else { return }
        let month = LabelSet([("period", "month")])
        let day = LabelSet([("period", "day")])
        writer.family(
            "etlworks_billing_records_used", type: .gauge,
            help: "Records processed in the current billing month or day, as the API reports.")
        if let value = subscription.monthUsed { writer.sample(month, Double(value)) }
        if let value = subscription.todayUsed { writer.sample(day, Double(value)) }
        writer.family("etlworks_billing_records_allowance", type: .gauge, help: "The plan's maximum records per month or day.")
        if let value = subscription.monthlyAllowance { writer.sample(month, Double(value)) }
        if let value = subscription.dailyAllowance { writer.sample(day, Double(value)) }
        writer.family("etlworks_billing_seats", type: .gauge, help: "Seats of the subscription, total and used.")
        if let value = subscription.seatsTotal { writer.sample(LabelSet([("state", "total")]), Double(value)) }
        if let value = subscription.seatsUsed { writer.sample(LabelSet([("state", "used")]), Double(value)) }
        writer.family(
            "etlworks_billing_period_start_timestamp_seconds", type: .gauge, help: "Start of the current billing period.")
        if let value = subscription.periodStart { writer.sample(.empty, seconds(value)) }
        writer.family("etlworks_billing_period_end_timestamp_seconds", type: .gauge, help: "End of the current billing period.")
        if let value = subscription.periodEnd { writer.sample(.empty, seconds(value)) }
        writer.family("etlworks_billing_subscription", type: .info, help: "Subscription tier and status.")
        writer.sample(LabelSet([("tier", subscription.tier ?? ""), ("status", subscription.status ?? "")]), 1)
    }

    private static func writeTenant(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        if let summary = snapshot.summary {
            writer.family(
                "etlworks_tenant_window_seconds", type: .gauge,
                help: "Length of the trailing window the etlworks_tenant_* figures cover.")
            writer.sample(.empty, snapshot.summaryWindow)
            writer.family(
                "etlworks_tenant_runs", type: .gauge,
                help: "Runs in the trailing window by status, from the API's executions summary.")
            for status in [RunStatus.success, .warning, .error, .canceled, .running, .queued] {
                if let value = summary.runs[status] { writer.sample(.empty, extra: statusLabels[status]!, Double(value)) }
            }
            writer.family("etlworks_tenant_success_ratio", type: .gauge, help: "Share of successful runs in the window (0-1).")
            if let value = summary.successRatio { writer.sample(.empty, value) }
            writer.family("etlworks_tenant_run_duration_average_seconds", type: .gauge, help: "Average run time in the window.")
            if let value = summary.averageDurationSeconds { writer.sample(.empty, value) }
            writer.family("etlworks_tenant_run_duration_max_seconds", type: .gauge, help: "Longest run time in the window.")
            if let value = summary.maxDurationSeconds { writer.sample(.empty, value) }
            writer.family("etlworks_tenant_records_processed", type: .gauge, help: "Records processed in the window.")
            if let value = summary.records { writer.sample(.empty, Double(value)) }
        }
        writer.family("etlworks_instance_up", type: .gauge, help: "1 when /v1/system/health reports the instance UP.")
        if let up = snapshot.instanceUp { writer.sample(.empty, up ? 1 : 0) }
        if let info = snapshot.systemInfo {
            writer.family("etlworks_instance", type: .info, help: "Version and deployment mode of the Etlworks instance.")
            writer.sample(
                LabelSet([
                    ("version", info.version ?? ""), ("build", info.build ?? ""),
                    ("deployment_mode", info.deploymentMode ?? "")
                ]), 1)
        }
    }

    // MARK: The exporter itself

    private static func writeExporter(_ snapshot: ExporterSnapshot, into writer: inout ExpositionWriter) {
        writer.family("etlworks_up", type: .gauge, help: "1 when the Etlworks API answered the latest poll.")
        writer.sample(.empty, snapshot.apiUp == true ? 1 : 0)
        let resources = snapshot.polledResources
        let resourceLabels = Dictionary(uniqueKeysWithValues: resources.map { ($0, LabelSet([("resource", $0.rawValue)])) })
        writer.family("etlworks_exporter_polls", type: .counter, help: "Polls of each resource by result (success or error).")
        for resource in resources {
            let status = snapshot.polls[resource] ?? PollStatus()
            writer.sample(resourceLabels[resource]!, "result", "success", Double(status.successes))
            writer.sample(resourceLabels[resource]!, "result", "error", Double(status.failures))
        }
        writer.family(
            "etlworks_exporter_poll_duration_seconds", type: .gauge, help: "How long the latest poll of each resource took.")
        for resource in resources {
            if let value = snapshot.polls[resource]?.lastDuration { writer.sample(resourceLabels[resource]!, value) }
        }
        writer.family(
            "etlworks_exporter_last_poll_success_timestamp_seconds", type: .gauge,
            help: "When each resource was last polled successfully.")
        for resource in resources {
            if let value = snapshot.polls[resource]?.lastSuccess {
                writer.sample(resourceLabels[resource]!, value.timeIntervalSince1970)
            }
        }
        writer.family(
            "etlworks_exporter_skipped_records", type: .counter,
            help: "Records in API answers that could not be decoded and were skipped.")
        for resource in resources {
            writer.sample(resourceLabels[resource]!, Double(snapshot.polls[resource]?.skippedRecords ?? 0))
        }
        writer.family(
            "etlworks_exporter_api_requests", type: .counter,
            help: "HTTP requests to the Etlworks API by endpoint template and status code (error: no answer).")
        for (key, count) in snapshot.apiRequests.sorted(by: { $0.key < $1.key }) {
            writer.sample(LabelSet([("endpoint", key.endpoint), ("code", key.code)]), Double(count))
        }
        writer.family(
            "etlworks_exporter_executions_source", type: .gauge,
            help: "1 on the source executions are read from: metrics (admin endpoint) or history (per-flow fallback).")
        let fallback: Bool
        if case .historyFallback = snapshot.executionsSource { fallback = true } else { fallback = false }
        writer.sample(LabelSet([("source", "metrics")]), fallback ? 0 : 1)
        writer.sample(LabelSet([("source", "history")]), fallback ? 1 : 0)
        writer.family("etlworks_exporter_store_size_bytes", type: .gauge, help: "Size of the SQLite database, WAL included.")
        writer.sample(.empty, Double(snapshot.storeSizeBytes))
        writer.family("etlworks_exporter_store_up", type: .gauge, help: "1 when the latest database write succeeded.")
        writer.sample(.empty, snapshot.storage == .ok ? 1 : 0)
        writer.family(
            "etlworks_exporter_http_auth_failures", type: .counter,
            help: "HTTP requests refused for missing or wrong basic-auth credentials (web.config_file).")
        writer.sample(.empty, Double(snapshot.authFailures))
        writer.family("etlworks_exporter_start_timestamp_seconds", type: .gauge, help: "When the exporter started.")
        writer.sample(.empty, snapshot.startedAt.timeIntervalSince1970)
        writer.family("etlworks_exporter_build", type: .info, help: "Version and revision of the exporter.")
        writer.sample(LabelSet([("version", BuildInfo.version), ("revision", BuildInfo.revision)]), 1)
    }

    private static func seconds(_ milliseconds: Int64) -> Double { Double(milliseconds) / 1000 }
}
