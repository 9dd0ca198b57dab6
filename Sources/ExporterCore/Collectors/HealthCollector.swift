import EtlworksAPI
import ExporterConfiguration
import Logging
import Vocabulary

/// Reads the instance's liveness (no auth) and, when the credentials allow, its version.
/// Up is a 2xx from `/v1/system/health`; any other status, a timeout or a refused
/// connection is down.
public struct HealthCollector: Collector {
    public let resource = Resource.health
    let context: CollectorContext
    let logger: Logger

    public init(context: CollectorContext, logger: Logger = Logger(label: "etlworks-exporter")) {
        self.context = context
        self.logger = logger
    }

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
        if let info { await context.noteAnswerShape(resource, unrecognizedKeys: info.unrecognizedKeys, logger: logger) }
        await context.state.setInstance(up: health.up, info: info)
        return 0
    }
}
