import EtlworksAPI
import ExporterConfiguration
import Exposition
import Foundation
import Store
import Vocabulary

/// What is stored as history after a poll of each resource: the values a successful poll
/// produced, under the names /metrics uses (counters with `_total`), and the result of
/// every poll, successful or not.
///
/// Flow series carry `flow_id` only; the flow's name is attached when read, so a renamed
/// flow keeps one history.
public enum HistorySamples {
    /// The per-flow series names, worked out once: they are written for every flow and poll.
    private enum Names {
        static let runs = FlowRunFamilies.runs.storedName
        static let records = FlowRunFamilies.recordsProcessed.storedName
        static let durationSum = FlowRunFamilies.runDuration.name + "_sum"
        static let durationCount = FlowRunFamilies.runDuration.name + "_count"
        static let running = FlowRunFamilies.runningRuns.storedName
        static let queued = FlowRunFamilies.queuedRuns.storedName
    }

    /// The values of a successful poll of `resource`.
    public static func after(_ resource: Resource, snapshot: ExporterSnapshot) -> [Sample] {
        var samples: [Sample] = []
        switch resource {
        case .executions: appendFlows(snapshot, to: &samples)
        case .agents: appendAgents(snapshot, to: &samples)
        case .billing: appendBilling(snapshot, to: &samples)
        case .summary: appendTenant(snapshot, to: &samples)
        case .health:
            if let up = snapshot.instanceUp { samples.append(gauge(InstanceFamilies.up.storedName, [], up ? 1 : 0)) }
        case .flows:
            samples.append(gauge(FlowListFamilies.flows.storedName, [], Double(snapshot.flows.count)))
        case .schedules, .instanceHealth, .streams, .lookback:
            break
        }
        return samples
    }

    /// How the latest poll of `resource` went.
    public static func pollResult(_ resource: Resource, snapshot: ExporterSnapshot) -> [Sample] {
        var samples: [Sample] = []
        if let poll = snapshot.polls[resource] {
            let labels = [SeriesLabel("resource", resource.rawValue)]
            samples.append(gauge(ExporterFamilies.pollSuccess.storedName, labels, poll.lastError == nil ? 1 : 0))
            if let duration = poll.lastDuration {
                samples.append(gauge(ExporterFamilies.pollDuration.storedName, labels, duration))
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
                samples.append(counter(Names.runs, [id, SeriesLabel("status", status.rawValue)], Double(runs)))
            }
            samples.append(counter(Names.records, [id], Double(metrics.recordsProcessed)))
            samples.append(counter(Names.durationSum, [id], metrics.durationSumSeconds))
            samples.append(
                counter(
                    Names.durationCount, [id],
                    Double(metrics.durationBucketCounts.reduce(0, +))))
            samples.append(gauge(Names.running, [id], Double(metrics.running)))
            samples.append(gauge(Names.queued, [id], Double(metrics.queued)))
        }
    }

    private static func appendAgents(_ snapshot: ExporterSnapshot, to samples: inout [Sample]) {
        for agent in snapshot.agents ?? [] {
            samples.append(
                gauge(
                    AgentFamilies.up.storedName,
                    [
                        SeriesLabel("agent_id", agent.id),
                        SeriesLabel("agent_name", agent.name)
                    ], agent.online ? 1 : 0))
        }
    }

    private static func appendBilling(_ snapshot: ExporterSnapshot, to samples: inout [Sample]) {
        guard let subscription = snapshot.subscription else { return }
        let month = [SeriesLabel("period", "month")]
        let day = [SeriesLabel("period", "day")]
        // Usage restarts every period: stored as a counter, its increase is reset-aware.
        if let value = subscription.monthUsed {
            samples.append(counter(BillingFamilies.recordsUsed.storedName, month, Double(value)))
        }
        if let value = subscription.todayUsed {
            samples.append(counter(BillingFamilies.recordsUsed.storedName, day, Double(value)))
        }
        if let value = subscription.monthlyAllowance {
            samples.append(gauge(BillingFamilies.recordsAllowance.storedName, month, Double(value)))
        }
        if let value = subscription.dailyAllowance {
            samples.append(gauge(BillingFamilies.recordsAllowance.storedName, day, Double(value)))
        }
        // The period's bounds, so a report follows the billing periods the API gave.
        if let start = subscription.periodStart, let end = subscription.periodEnd {
            samples.append(gauge(BillingFamilies.periodStart.storedName, [], EpochMillis.seconds(start)))
            samples.append(gauge(BillingFamilies.periodEnd.storedName, [], EpochMillis.seconds(end)))
        }
        // The plan as a series of its own, so a report can name the tier of a past month.
        if subscription.tier != nil || subscription.status != nil {
            samples.append(
                gauge(
                    BillingFamilies.subscription.storedName,
                    [
                        SeriesLabel("status", subscription.status ?? ""),
                        SeriesLabel("tier", subscription.tier ?? "")
                    ], 1))
        }
    }

    private static func appendTenant(_ snapshot: ExporterSnapshot, to samples: inout [Sample]) {
        guard let summary = snapshot.summary else { return }
        for (status, runs) in summary.runs {
            samples.append(gauge(TenantFamilies.runs.storedName, [SeriesLabel("status", status.rawValue)], Double(runs)))
        }
        if let value = summary.successRatio { samples.append(gauge(TenantFamilies.successRatio.storedName, [], value)) }
        if let value = summary.averageDurationSeconds {
            samples.append(gauge(TenantFamilies.averageDuration.storedName, [], value))
        }
        if let value = summary.maxDurationSeconds { samples.append(gauge(TenantFamilies.maxDuration.storedName, [], value)) }
        if let value = summary.records { samples.append(gauge(TenantFamilies.recordsProcessed.storedName, [], Double(value))) }
    }

    private static func gauge(_ name: String, _ labels: [SeriesLabel], _ value: Double) -> Sample {
        Sample(SeriesKey(name, labels), .gauge, value)
    }

    private static func counter(_ name: String, _ labels: [SeriesLabel], _ value: Double) -> Sample {
        Sample(SeriesKey(name, labels), .counter, value)
    }
}
