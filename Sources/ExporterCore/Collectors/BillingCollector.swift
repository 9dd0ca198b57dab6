import EtlworksAPI
import ExporterConfiguration
import Logging
import Vocabulary

/// Reads the subscription: tier, seats, allowance and usage. On-premise installs are
/// licensed outside the app and answer 404: after three in a row the resource is not
/// available (one log line, `pass` in /health), checked again every 6 h.
public actor BillingCollector: Collector {
    public nonisolated let resource = Resource.billing
    let context: CollectorContext
    let logger: Logger
    private var availability = ResourceAvailability(threshold: 3)

    public init(context: CollectorContext, logger: Logger = Logger(label: "etlworks-exporter")) {
        self.context = context
        self.logger = logger
    }

    public func collect() async throws -> Int {
        let now = context.now()
        if availability.skips(at: now) { return 0 }
        let subscription: Subscription
        do {
            subscription = try await context.client.subscription()
        } catch APIError.notFound(let endpoint) {
            let newlyMissing = availability.missed(at: now)
            // The first 404s fail the poll as any error would; repeated, they mean "not here".
            guard availability.missingSince != nil else { throw APIError.notFound(endpoint: endpoint) }
            if newlyMissing {
                logger.info(
                    "/v1/billing/subscription answered 404 three times in a row: billing is not available on this instance (on-premise installs are licensed outside the app); checking again every 6 h"
                )
            }
            await context.state.setUnavailable(
                resource, reason: "/v1/billing/subscription answers 404: not available on this instance; checked again every 6 h")
            await context.state.setSubscription(nil)
            return 0
        }
        if availability.answered() {
            logger.info("/v1/billing/subscription answers again")
            await context.state.setUnavailable(resource, reason: nil)
        }
        await context.noteAnswerShape(resource, unrecognizedKeys: subscription.unrecognizedKeys, logger: logger)
        await context.state.setSubscription(subscription)
        return 0
    }
}
