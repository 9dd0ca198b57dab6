import Alerting
import EtlworksAPI
import ExporterConfiguration
import ExporterCore
import Foundation
import Logging
import SLA
import SLAStore
import ServiceLifecycle
import Store
import Vocabulary

/// Builds a watched tenant's plane from the daemon's parts: a client switched to the tenant
/// (sharing the connections and the rate limit), the tenant's view of the database, a state
/// and history of its own, the SLA rules that cover it (`tenants:`) evaluated apart, and with
/// `push` a webhook receiver.
struct TenantPlanes: Sendable {
    let config: ExporterConfig
    let client: HTTPEtlworksClient
    let store: SQLiteRunStore
    let slaStore: SLAStateStore
    let series: SeriesStore
    let reader: SeriesReader
    /// Where every tenant's breaches go (one Alertmanager and webhook queue for the exporter).
    let alerts: NotificationDispatcher?
    let requests: RequestCounter
    let intervals: [Resource: Double]
    let looksBack: Bool
    let redactor: Redactor
    let logger: Logger

    func make(_ tenant: Tenant) async -> TenantPlane {
        var logger = logger
        logger[metadataKey: "tenant.id"] = "\(tenant.id)"
        let state = await ExporterRuntime.state(config: config, intervals: intervals, requests: requests)
        await state.limitResources(to: CollectorSet.tenantResources)
        var context = CollectorContext(
            client: client.forTenant(tenant.id), store: store.forTenant(tenant.id), state: state, config: config)
        let rules = config.sla.filter { $0.covers(tenant) }
        let engine = SLAEngine(
            rules: rules, store: slaStore.forTenant(tenant.id), runStore: store.forTenant(tenant.id), host: state,
            alerts: alerts, timeZone: config.api.timeZone, scheduleTimeZone: config.api.schedulerTimeZone,
            healthPolicy: config.slaHealth, flowNameLabel: config.metrics.flowNameLabel, replayStep: config.poll.executions,
            history: SeriesSLAHistory(reader: reader, tenantId: tenant.id), maintenance: config.maintenance,
            tenant: tenant, logger: logger)
        if !rules.isEmpty { context.completedRuns = engine }
        let pushes = config.push.map { PushReceiver(settings: $0, state: state) }
        context.pushes = pushes
        if let pushes { await state.setPushStats(await pushes.snapshot) }
        // Its name, for the usage report's table of tenants.
        do { try await store.forTenant(tenant.id).setMeta("name", tenant.name) } catch {
            logger.error("The tenant's name could not be stored", metadata: ["error": "\(error)"])
        }
        // Its counters come from its stored runs: exported before its first poll answers.
        do { try await context.publishFlows() } catch {
            logger.error("The tenant's stored flows could not be read", metadata: ["error": "\(error)"])
        }
        let polling = PollingService(
            collectors: CollectorSet.collectors(
                of: CollectorSet.tenantResources, context: context, looksBack: looksBack, logger: logger),
            state: state, intervals: config.poll, logger: logger, clock: ContinuousClock(), redactor: redactor,
            history: HistoryRecorder(sink: series, state: state, logger: logger, tenantId: tenant.id),
            afterPoll: rules.isEmpty ? nil : ExporterRuntime.evaluateAfterPoll(engine))
        // Always, as for one tenant: with no rule it closes the breaches of rules removed.
        let sla = SLAService(engine: engine, dispatcher: nil, interval: min(30, config.poll.executions), logger: logger)
        var services: [any Service] = [polling, sla]
        if let pushes { services.append(PushedRunsService(receiver: pushes, context: context, logger: logger)) }
        return TenantPlane(tenant: tenant, state: state, pushes: pushes, services: services)
    }
}
