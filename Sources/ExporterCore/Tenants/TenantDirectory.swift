import EtlworksAPI
import Foundation

/// The tenants being watched now, in the order they were listed, for /metrics, /health and
/// the webhook's path. Changes when `discover` finds tenants added or removed.
public actor TenantDirectory {
    private var planes: [TenantPlane] = []
    /// The latest listing's failure (`discover`), nil when it succeeded or without `discover`.
    private var discoveryError: String?

    public init() {}

    func set(_ planes: [TenantPlane]) { self.planes = planes }

    func noteDiscovery(error: String?) { discoveryError = error }

    /// The webhook receiver of a tenant; nil for a tenant not watched.
    public func receiver(forTenant id: String) -> PushReceiver? {
        planes.first { $0.tenant.id == id }?.pushes
    }

    /// Every watched tenant's state now, with whether it is up.
    public func parts() async -> [MetricsRenderer.TenantPart] {
        var parts: [MetricsRenderer.TenantPart] = []
        for plane in planes {
            let snapshot = await plane.state.snapshot()
            parts.append(.init(tenant: plane.tenant, snapshot: snapshot, up: TenantPlane.isUp(snapshot)))
        }
        return parts
    }

    /// The discovery's status for /health: nil without `discover` or when it last succeeded.
    public func discoveryProblem() -> String? { discoveryError }
}
