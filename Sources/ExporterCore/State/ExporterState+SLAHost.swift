import ExporterConfiguration
import SLA

/// The live state is what SLA rules judge and where their results show.
extension ExporterState: SLAHost {
    public func slaObservations() -> SLAObservations {
        let now = snapshot()
        return SLAObservations(
            flows: now.flows.map(\.metrics), schedules: now.schedules ?? [:], agents: now.agents,
            subscription: now.subscription)
    }

    public func publishSLA(_ snapshot: SLASnapshot) { setSLA(snapshot) }

    public func reportSLAStorage(failure: String?) {
        setStorage(failure.map { .failing($0) } ?? .ok, writer: .sla)
    }
}
