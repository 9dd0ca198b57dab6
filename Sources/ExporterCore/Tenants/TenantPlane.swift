import EtlworksAPI
import Foundation
import ServiceLifecycle
import Vocabulary

/// Everything one watched tenant has of its own (`etlworks.tenants`): its live state, its
/// pollers (under a token switched to it, over its view of the database) and, with `push`,
/// its webhook's receiver and look-ups. A tenant's polls fail, retry and back off alone.
public struct TenantPlane: Sendable {
    public let tenant: Tenant
    public let state: ExporterState
    /// The receiver of `/api/v1/webhooks/etlworks/{tenant_id}`; nil without `push`.
    public let pushes: PushReceiver?
    /// Its pollers and look-ups, run until the plane is stopped or the daemon shuts down.
    let services: [any Service]

    public init(tenant: Tenant, state: ExporterState, pushes: PushReceiver?, services: [any Service]) {
        self.tenant = tenant
        self.state = state
        self.pushes = pushes
        self.services = services
    }

    /// Runs the services until cancelled or shut down; one ending does not end the others.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try? await service.run() } }
        }
    }

    /// Up while the tenant's latest executions and flows polls succeeded: a refused switch
    /// fails its flows poll even when its runs are still read by `tenantId`.
    static func isUp(_ snapshot: ExporterSnapshot) -> Bool {
        snapshot.polls[.executions]?.lastSucceeded == true && snapshot.polls[.flows]?.lastSucceeded == true
    }
}
