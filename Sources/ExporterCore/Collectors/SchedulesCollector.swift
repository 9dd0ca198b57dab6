import ExporterConfiguration

/// Reads flow schedules (`GET /v1/schedules`) for the SLA rules that need a flow's cadence
/// or expected run time. Runs only when such a rule is configured.
public struct SchedulesCollector: Collector {
    public let resource = Resource.schedules
    let context: CollectorContext

    public init(context: CollectorContext) { self.context = context }

    public func collect() async throws -> Int {
        let page = try await context.client.schedules()
        await context.state.setSchedules(page.items)
        return page.skipped
    }
}
