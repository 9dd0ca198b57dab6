import ExporterConfiguration
import Foundation
import Logging
import ServiceLifecycle

/// Says in the log when more flows would be exported than `metrics.max_flows` allows (the
/// renderer leaves the rest out and counts them in `etlworks_exporter_flows_over_limit`):
/// once when it starts, once when it ends.
public struct FlowLimitWatch: Service {
    let view: ExporterView
    let logger: Logger
    let interval: Duration

    public init(view: ExporterView, logger: Logger, interval: Duration = .seconds(30)) {
        self.view = view
        self.logger = logger
        self.interval = interval
    }

    /// Flows that would be exported, over all tenants, and the limit.
    public static func count(_ view: ExporterView) async -> (exported: Int, limit: Int) {
        let snapshot = await view.state.snapshot()
        let snapshots = await view.tenants?.parts().map(\.snapshot) ?? [snapshot]
        let exported = snapshots.reduce(0) { total, snapshot in total + snapshot.flows.lazy.filter(\.exported).count }
        return (exported, snapshot.exportSettings.maxFlows)
    }

    public func run() async throws {
        var over = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let (exported, limit) = await Self.count(view)
            if exported > limit, !over {
                logger.warning(
                    "More flows than metrics.max_flows: the rest are not exported (etlworks_exporter_flows_over_limit counts them)",
                    metadata: ["flows": "\(exported)", "metrics.max_flows": "\(limit)"])
            } else if exported <= limit, over {
                logger.info("Every flow is exported again", metadata: ["flows": "\(exported)", "metrics.max_flows": "\(limit)"])
            }
            over = exported > limit
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
