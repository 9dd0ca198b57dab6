/// Reads the subscription: tier, seats, allowance and usage.
public struct BillingCollector: Collector {
    public let resource = Resource.billing
    let context: CollectorContext

    public init(context: CollectorContext) { self.context = context }

    public func collect() async throws -> Int {
        await context.state.setSubscription(try await context.client.subscription())
        return 0
    }
}
