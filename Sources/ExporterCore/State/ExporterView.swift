import ExporterConfiguration
import Exposition
import Foundation
import SLA
import Vocabulary

/// What the HTTP side reads: the exporter's one state, or with `etlworks.tenants` the
/// instance's state and every watched tenant's.
public struct ExporterView: Sendable {
    /// The only state, or the instance's (its health, the exporter itself, SLA).
    public let state: ExporterState
    public let tenants: TenantDirectory?

    public init(state: ExporterState, tenants: TenantDirectory? = nil) {
        self.state = state
        self.tenants = tenants
    }

    /// A document to serve: rendered once per version (and format) however many scrape.
    public struct Scrape: Sendable {
        public var version: [ExporterSnapshot.Version]
        /// Families not exported (`metrics.disable`).
        public var disabled: Set<String>
        public var render: @Sendable (ExpositionFormat) -> [UInt8]
    }

    public func scrape() async -> Scrape {
        let snapshot = await state.snapshot()
        guard let tenants else {
            return Scrape(version: [snapshot.version], disabled: snapshot.exportSettings.disabled) { format in
                MetricsRenderer.render(snapshot, format: format)
            }
        }
        let parts = await tenants.parts()
        return Scrape(
            version: [snapshot.version] + parts.map(\.snapshot.version), disabled: snapshot.exportSettings.disabled
        ) { format in
            MetricsRenderer.render(instance: snapshot, tenants: parts, format: format)
        }
    }

    public func health(apiURL: String) async -> HealthReport {
        let snapshot = await state.snapshot()
        guard let tenants else { return HealthReport(snapshot: snapshot, apiURL: apiURL) }
        return HealthReport(
            instance: snapshot, apiURL: apiURL, tenants: await tenants.parts(),
            discoveryProblem: await tenants.discoveryProblem())
    }

    /// The latest SLA evaluation: with tenants, every tenant's as one (`SLASnapshot.merged`).
    public func sla() async -> SLASnapshot {
        let own = await state.snapshot().sla
        guard let tenants else { return own }
        return .merged([own] + (await tenants.parts()).map(\.snapshot.sla))
    }

    /// Ready once runs have been polled: with tenants, once every watched tenant's have.
    public func isReady() async -> Bool {
        guard let tenants else { return await state.snapshot().polls[.executions] != nil }
        let parts = await tenants.parts()
        return !parts.isEmpty && parts.allSatisfy { $0.snapshot.polls[.executions] != nil }
    }
}
