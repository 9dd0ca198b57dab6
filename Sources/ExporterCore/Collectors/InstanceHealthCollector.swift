import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import Vocabulary

/// Reads `GET /health?allNodes=true` at the instance root: components, running flows, disks,
/// heap and load of every node. Cloud tenants may not expose it: a 404 or 401 makes the
/// resource unavailable (one log line, `pass` in /health), checked again every 6 h.
public actor InstanceHealthCollector: Collector {
    public nonisolated let resource = Resource.instanceHealth
    private let context: CollectorContext
    private let logger: Logger
    private var availability = ResourceAvailability(threshold: 1)
    /// Whether the cap on the document's entries was logged (once per run of the process).
    private var warnedOfCap = false

    public init(context: CollectorContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    public func collect() async throws -> Int {
        let now = context.now()
        if availability.skips(at: now) { return 0 }
        do {
            let health = try await context.client.instanceHealth()
            if availability.answered() {
                logger.info("GET /health answers again; reading node health")
                await context.state.setUnavailable(resource, reason: nil)
            }
            let (capped, summed) = health.capped()
            if summed > 0, !warnedOfCap {
                warnedOfCap = true
                logger.warning(
                    "GET /health names more nodes, components or disks than the exporter exports; the rest are summed into entries named 'other'",
                    metadata: [
                        "summed": "\(summed)",
                        "limits":
                            "\(InstanceHealth.maxNodes) nodes of \(InstanceHealth.maxComponents) components and \(InstanceHealth.maxDisks) disks"
                    ])
            }
            await context.state.setInstanceHealth(capped)
            return 0
        } catch let error as APIError {
            await context.state.setInstanceHealth(nil)
            let status: Int
            switch error {
            case .notFound: status = 404
            case .unauthorized, .forbidden: status = 401
            default: throw error
            }
            if availability.missed(at: now) {
                logger.info(
                    "GET /health at the instance root answered \(status): node health is not available on this instance (cloud tenants do not expose it); checking again every 6 h"
                )
            }
            await context.state.setUnavailable(
                resource, reason: "GET /health answered \(status): not exposed by this instance; checked again every 6 h")
            return 0
        }
    }
}
