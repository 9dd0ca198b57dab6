/// Reads the instance's liveness (no auth) and, when the credentials allow, its version.
public struct HealthCollector: Collector {
    public let resource = Resource.health
    let context: CollectorContext

    public init(context: CollectorContext) { self.context = context }

    public func collect() async throws -> Int {
        let health = try await context.client.systemHealth()
        // The version is decoration: failing to read it must not fail the health poll.
        let info = try? await context.client.systemInfo()
        await context.state.setInstance(up: health.up, info: info)
        return 0
    }
}
