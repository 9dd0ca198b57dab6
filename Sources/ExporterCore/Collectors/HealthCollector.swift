import EtlworksAPI

/// Reads the instance's liveness (no auth) and, when the credentials allow, its version.
/// Up is a 2xx from `/v1/system/health`; any other status, a timeout or a refused
/// connection is down.
public struct HealthCollector: Collector {
    public let resource = Resource.health
    let context: CollectorContext

    public init(context: CollectorContext) { self.context = context }

    public func collect() async throws -> Int {
        let health: SystemHealth
        do {
            health = try await context.client.systemHealth()
        } catch let error as APIError {
            if case .transport = error { await context.state.setInstance(up: false, info: nil) }
            throw error
        }
        // The version is decoration: failing to read it must not fail the health poll.
        let info = try? await context.client.systemInfo()
        await context.state.setInstance(up: health.up, info: info)
        return 0
    }
}
