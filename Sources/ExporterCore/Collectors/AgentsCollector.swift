import EtlworksAPI
import ExporterConfiguration
import Logging
import Vocabulary

/// Reads the on-premise agents; an agent no longer listed drops its series.
public struct AgentsCollector: Collector {
    public let resource = Resource.agents
    let context: CollectorContext
    let logger: Logger

    public init(context: CollectorContext, logger: Logger = Logger(label: "etlworks-exporter")) {
        self.context = context
        self.logger = logger
    }

    public func collect() async throws -> Int {
        let page = try await context.client.agents()
        await context.noteAnswerShape(resource, unrecognizedKeys: page.unrecognizedKeys, logger: logger)
        await context.state.setAgents(page.items.sorted { ($0.numericId, $0.id) < ($1.numericId, $1.id) })
        return page.skipped
    }
}
