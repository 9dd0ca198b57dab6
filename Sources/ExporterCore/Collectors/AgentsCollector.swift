/// Reads the on-premise agents; an agent no longer listed drops its series.
public struct AgentsCollector: Collector {
    public let resource = Resource.agents
    let context: CollectorContext

    public init(context: CollectorContext) { self.context = context }

    public func collect() async throws -> Int {
        let page = try await context.client.agents()
        await context.state.setAgents(page.items.sorted { $0.id < $1.id })
        return page.skipped
    }
}
