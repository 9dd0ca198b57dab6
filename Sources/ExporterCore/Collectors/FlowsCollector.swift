import EtlworksAPI
import ExporterConfiguration
import Logging
import Store
import Vocabulary

/// Reads the flow list: names, types and tags for the labels, and which flows were deleted
/// upstream (their series are dropped).
public struct FlowsCollector: Collector {
    public let resource = Resource.flows
    let context: CollectorContext
    let logger: Logger

    public init(context: CollectorContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    public func collect() async throws -> Int {
        let page = try await context.client.flows()
        // With records skipped the list is incomplete: a flow missing from it may only have
        // failed to decode, so nothing is marked deleted this time. An empty list is far more
        // often an API glitch than a tenant that deleted every flow; it removes nothing either.
        let complete = page.skipped == 0 && !page.items.isEmpty
        if page.items.isEmpty {
            logger.warning("The flow list came back empty; keeping the known flows until it lists some again")
        }
        let removed = try await context.store.replaceFlows(page.items, removeMissing: complete)
        if removed > 0 { logger.info("Flows deleted upstream; dropping their series", metadata: ["flows.removed": "\(removed)"]) }
        try await context.publishFlows()
        return page.skipped
    }
}
