import EtlworksAPI
import ExporterConfiguration
import Foundation
import Logging
import ServiceLifecycle

/// Runs a plane per watched tenant: the listed ones, or with `discover` every tenant
/// `GET /v1/tenants` lists, listed again every `TenantSelection.discoveryInterval` (a tenant
/// added gets a plane, a tenant gone has its plane stopped; what it stored stays).
public struct TenantsService: Service {
    let selection: TenantSelection
    let directory: TenantDirectory
    /// Builds a tenant's plane.
    let makePlane: @Sendable (Tenant) async -> TenantPlane
    /// Lists the tenants (`discover`).
    let list: @Sendable () async throws -> [Tenant]
    let logger: Logger
    /// How long after a failed listing it is tried again, seconds.
    let retryAfterFailure: Double

    public init(
        selection: TenantSelection, directory: TenantDirectory, logger: Logger, retryAfterFailure: Double = 60,
        list: @escaping @Sendable () async throws -> [Tenant], makePlane: @escaping @Sendable (Tenant) async -> TenantPlane
    ) {
        self.selection = selection
        self.directory = directory
        self.logger = logger
        self.retryAfterFailure = retryAfterFailure
        self.list = list
        self.makePlane = makePlane
    }

    public func run() async throws {
        var running: [(plane: TenantPlane, task: Task<Void, Never>)] = []
        func watch(_ tenants: [Tenant]) async {
            let wanted = Set(tenants.map(\.id))
            for entry in running where !wanted.contains(entry.plane.tenant.id) {
                logger.info(
                    "A tenant is no longer listed; its polling stops", metadata: ["tenant.id": "\(entry.plane.tenant.id)"])
                entry.task.cancel()
            }
            running.removeAll { !wanted.contains($0.plane.tenant.id) }
            for tenant in tenants {
                if let index = running.firstIndex(where: { $0.plane.tenant.id == tenant.id }) {
                    guard running[index].plane.tenant.name != tenant.name else { continue }
                    // A renamed tenant keeps its plane; only its name changes.
                    let old = running[index].plane
                    running[index].plane = TenantPlane(
                        tenant: tenant, state: old.state, pushes: old.pushes, services: old.services)
                    continue
                }
                let plane = await makePlane(tenant)
                // Inherits the graceful-shutdown signal: it ends with the daemon.
                running.append((plane, Task { await plane.run() }))
            }
            await directory.set(running.map(\.plane))
        }
        switch selection {
        case .listed(let tenants):
            await watch(tenants)
            try? await gracefulShutdown()
        case .discover:
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var wait = TenantSelection.discoveryInterval
                do {
                    let tenants = try await list()
                    await directory.noteDiscovery(error: nil)
                    if tenants.isEmpty { logger.warning("GET /v1/tenants lists no tenant: nothing to watch") }
                    await watch(tenants)
                } catch {
                    await directory.noteDiscovery(error: String(describing: error))
                    logger.warning(
                        "Listing the tenants failed; the tenants already watched go on", metadata: ["error": "\(error)"])
                    wait = retryAfterFailure
                }
                let pause = wait
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(pause)) }
            }
        }
        for entry in running { await entry.task.value }
    }
}
