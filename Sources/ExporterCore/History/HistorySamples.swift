import Foundation
import Store

/// What is stored as history after a poll of each resource: the values a successful poll
/// produced, under the names /metrics uses (counters with `_total`), and the result of
/// every poll, successful or not.
///
/// Flow series carry `flow_id` only; the flow's name is attached when read, so a renamed
/// flow keeps one history.
public enum HistorySamples {
    /// The values of a successful poll of `resource`.
    public static func after(_ resource: Resource, snapshot: ExporterSnapshot) -> [Sample] {
        var samples: [Sample] = []
        switch resource {
        case .executions: appendFlows(snapshot, to: &samples)
        case .agents: appendAgents(snapshot, to: &samples)
        case .billing: appendBilling(snapshot, to: &samples)
        case .summary: appendTenant(snapshot, to: &samples)
        case .health:
            if let up = snapshot.instanceUp { samples.append(gauge("etlworks_instance_up", [], up ? 1 : 0)) }
        case .flows:
            samples.append(gauge("etlworks_flows", [], Double(snapshot.flows.count)))
        case .schedules:
            break
        }
        return samples
    }

    /// How the latest poll of `resource` went.
    public static func pollResult(_ resource: Resource, snapshot: ExporterSnapshot) -> [Sample] {
        var samples: [Sample] = []
        if let poll = snapshot.polls[resource] {
            let labels = [SeriesLabel("resource", resource.rawValue)]
            samples.append(gauge("etlworks_exporter_poll_success", labels, poll.lastError == nil ? 1 : 0))
            if let duration = poll.lastDuration {
                samples.append(gauge("etlworks_exporter_poll_duration_seconds", labels, duration))
            }
        }
        return samples
    }

    private static func appendFlows(_ snapshot: ExporterSnapshot, to samples: inout [Sample]) {
        samples.reserveCapacity(snapshot.flows.count * 7)
        for flow in snapshot.flows {
            let metrics = flow.metrics
            let id = SeriesLabel("flow_id", String(metrics.flow.id))
            for (status, runs) in metrics.completedRuns {
                samples.append(counter("etlworks_flow_runs_total", [id, SeriesLabel("status", status.rawValue)], Double(runs)))
            }
            samples.append(counter("etlworks_flow_records_processed_total", [id], Double(metrics.recordsProcessed)))
            samples.append(counter("etlworks_flow_run_duration_seconds_sum", [id], metrics.durationSumSeconds))
            samples.append(
                counter(
                    "etlworks_flow_run_duration_seconds_count", [id],
                    Double(metrics.durationBucketCounts.reduce(0, +))))
            samples.append(gauge("etlworks_flow_running_runs", [id], Double(metrics.running)))
            samples.append(gauge("etlworks_flow_queued_runs", [id], Double(metrics.queued)))
        }
    }

    private static func appendAgents(_ snapshot: ExporterSnapshot, to samples: inout [Sample]) {
        for agent in snapshot.agents ?? [] {
            samples.append(
                gauge(
                    "etlworks_agent_up",
                    [
                        SeriesLabel("agent_id", String(agent.id)),
                        SeriesLabel("agent_name", agent.name)
                    ], agent.online ? 1 : 0))
        }
    }

    private static func appendBilling(_ snapshot: ExporterSnapshot, to samples: inout [Sample]) {
        guard let subscription = snapshot.subscription else { return }
        let month = [SeriesLabel("period", "month")]
        let day = [SeriesLabel("period", "day")]
        // Usage restarts every period: stored as a counter, its increase is reset-aware.
        if let value = subscription.monthUsed { samples.append(counter("etlworks_billing_records_used", month, Double(value))) }
        if let value = subscription.todayUsed { samples.append(counter("etlworks_billing_records_used", day, Double(value))) }
        if let value = subscription.monthlyAllowance {
            samples.append(gauge("etlworks_billing_records_allowance", month, Double(value)))
        }
        if let value = subscription.dailyAllowance {
            samples.append(gauge("etlworks_billing_records_allowance", day, Double(value)))
        }
        // The plan as a series of its own, so a report can name the tier of a past month.
        if subscription.tier != nil || subscription.status != nil {
            samples.append(
                gauge(
                    "etlworks_billing_subscription",
                    [
                        SeriesLabel("status", subscription.status ?? ""),
                        SeriesLabel("tier", subscription.tier ?? "")
                    ], 1))
        }
    }

    private static func appendTenant(_ snapshot: ExporterSnapshot, to samples: inout [Sample]) {
        guard let summary = snapshot.summary else { return }
        for (status, runs) in summary.runs {
            samples.append(gauge("etlworks_tenant_runs", [SeriesLabel("status", status.rawValue)], Double(runs)))
        }
        if let value = summary.successRatio { samples.append(gauge("etlworks_tenant_success_ratio", [], value)) }
        if let value = summary.averageDurationSeconds {
            samples.append(gauge("etlworks_tenant_run_duration_average_seconds", [], value))
        }
        if let value = summary.maxDurationSeconds { samples.append(gauge("etlworks_tenant_run_duration_max_seconds", [], value)) }
        if let value = summary.records { samples.append(gauge("etlworks_tenant_records_processed", [], Double(value))) }
    }

    private static func gauge(_ name: String, _ labels: [SeriesLabel], _ value: Double) -> Sample {
        Sample(SeriesKey(name, labels), .gauge, value)
    }

    private static func counter(_ name: String, _ labels: [SeriesLabel], _ value: Double) -> Sample {
        Sample(SeriesKey(name, labels), .counter, value)
    }
}
