import ExporterConfiguration
import FoundationEssentials
import SLA
import Store
import Vocabulary

/// The live state is what SLA rules judge and where their results show.
extension ExporterState: SLAHost {
    public func slaObservations() -> SLAObservations {
        let now = snapshot()
        // A poll is fresh for three intervals, and at least five minutes.
        let fresh = max(300, 3 * (now.intervals[.executions] ?? 30))
        var observations = SLAObservations(
            flows: now.flows.map(\.metrics), schedules: now.schedules ?? [:], agents: now.agents,
            subscription: now.subscription,
            pollsFreshUntil: now.polls[.executions]?.lastSuccess.map { $0.timeIntervalSince1970 + fresh },
            kinds: flowKinds())
        observations.streams = now.streams
        observations.lastSuccessLookedUp = now.lastSuccessLookedUp
        return observations
    }

    public func publishSLA(_ snapshot: SLASnapshot) { setSLA(snapshot) }

    public func reportSLAStorage(failure: String?) {
        setStorage(failure.map { .failing($0) } ?? .ok, writer: .sla)
    }
}
