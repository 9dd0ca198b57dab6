import Logging
import Vocabulary

/// Which collectors poll what. A tenant has its own runs, flows, schedules, agents, billing
/// and streams; the instance's health is one for all of its tenants.
public enum CollectorSet {
    /// The resources polled per tenant (with `etlworks.tenants`).
    public static let tenantResources: Set<Resource> = [
        .executions, .flows, .summary, .agents, .billing, .schedules, .streams, .lookback
    ]
    /// The resources of the instance as a whole.
    public static let instanceResources: Set<Resource> = [.health, .instanceHealth]

    /// The collectors of `resources`; `.lookback` only with `looksBack`.
    public static func collectors(
        of resources: Set<Resource>, context: CollectorContext, looksBack: Bool, logger: Logger
    ) -> [any Collector] {
        var collectors: [any Collector] = []
        for resource in Resource.allCases.sorted() where resources.contains(resource) {
            switch resource {
            case .executions: collectors.append(ExecutionsCollector(context: context, logger: logger))
            case .flows: collectors.append(FlowsCollector(context: context, logger: logger))
            case .summary: collectors.append(SummaryCollector(context: context, logger: logger))
            case .agents: collectors.append(AgentsCollector(context: context, logger: logger))
            case .billing: collectors.append(BillingCollector(context: context, logger: logger))
            case .health: collectors.append(HealthCollector(context: context, logger: logger))
            case .instanceHealth: collectors.append(InstanceHealthCollector(context: context, logger: logger))
            case .schedules: collectors.append(SchedulesCollector(context: context, logger: logger))
            case .streams: collectors.append(StreamsCollector(context: context, logger: logger))
            case .lookback: if looksBack { collectors.append(SuccessLookbackCollector(context: context, logger: logger)) }
            }
        }
        return collectors
    }
}
