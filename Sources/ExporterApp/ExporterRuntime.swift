import Alerting
import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import ExporterCore
import Foundation
import Hummingbird
import Logging
import Reports
import SLA
import SLAStore
import ServiceLifecycle
import Store
import Vocabulary
import WebSecurity

/// The daemon assembled from a configuration: store, API client, collectors, the polling
/// service and the HTTP server, ready to run in one `ServiceGroup`.
public struct ExporterRuntime: Sendable {
    public let state: ExporterState
    public let store: SQLiteRunStore
    public let series: SeriesStore
    public let services: [any Service]
    public let listenAddress: ListenAddress

    /// Opens the store (refusing a corrupt or newer one, naming its path) and builds every
    /// service. `onListening` receives the bound port once the server runs.
    /// `verifyStorage`: run the quick integrity check on the database (at start, not on a
    /// reload of the same file).
    public static func make(
        config: ExporterConfig, logger: Logger, verifyStorage: Bool = true,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> ExporterRuntime {
        guard let address = ListenAddress(config.web.listenAddress) else {
            throw ConfigErrors([
                ConfigIssue(key: "web.listen_address", line: nil, message: "'\(config.web.listenAddress)' is not HOST:PORT")
            ])
        }
        if config.api.url.scheme?.lowercased() == "http", !ListenAddress.isLoopback(config.api.url.host ?? "") {
            logger.warning(
                "etlworks.url is http://: the API key or password crosses the network unencrypted; use https://",
                metadata: ["etlworks.host": "\(config.api.url.host ?? "")"])
        }
        // One quick check of the file per start (it reads the whole file), none on a reload
        // of the same one: the other connections open it unchecked.
        let store = try SQLiteRunStore(
            path: config.storage.path, verify: verifyStorage, durationBuckets: config.metrics.durationBuckets,
            nativeSchema: config.metrics.nativeHistogramSchema)
        let series = try SeriesStore(path: config.storage.path, verify: false)
        let reader = try SeriesReader(path: config.storage.path)
        let requests = RequestCounter()
        // Schedules are always read: they decide which flows are scheduled (`kind`) and what
        // each is expected to do. Flows' own histories only for `max_since_success`.
        let looksBack = SuccessLookbackCollector.needed(by: config.sla)
        let polled = Resource.allCases.filter { $0 != .lookback || looksBack }
        let intervals = Dictionary(uniqueKeysWithValues: polled.map { ($0, config.poll.interval(of: $0)) })
        let state = await Self.state(config: config, intervals: intervals, requests: requests)
        let tenants = config.api.tenants
        if tenants != nil { await state.limitResources(to: CollectorSet.instanceResources) }
        var clientConfiguration = ClientConfiguration(
            baseURL: config.api.url, credentials: config.api.credentials,
            timeout: config.api.timeout,
            maxRequestsPerSecond: config.api.maxRequestsPerSecond, maxRetryAfter: config.api.maxRetryAfter)
        clientConfiguration.largeResponseTimeout = config.api.largeResponseTimeout
        clientConfiguration.maxResponseBytes = config.api.maxResponseBytes
        let client = HTTPEtlworksClient(
            configuration: clientConfiguration,
            observer: { endpoint, code, seconds in requests.record(endpoint: endpoint, code: code, seconds: seconds) })
        let redactor = Redactor(secrets: config.secrets)
        let slaStore = try SLAStateStore(path: config.storage.path, verify: false)
        let dispatcher = NotificationDispatcher(
            config: config.notifications, onStats: { await state.setNotificationStats($0, receiver: $1) },
            generatorURL: "http://\(address.host):\(address.port)/sla", logger: logger)
        // With tenants, each tenant's plane evaluates the rules that cover it.
        let engine = SLAEngine(
            rules: tenants == nil ? config.sla : [], store: slaStore, runStore: store, host: state,
            alerts: dispatcher.isEnabled ? dispatcher : nil, timeZone: config.api.timeZone,
            scheduleTimeZone: config.api.schedulerTimeZone,
            healthPolicy: config.slaHealth, flowNameLabel: config.metrics.flowNameLabel,
            replayStep: config.poll.executions, history: SeriesSLAHistory(reader: reader), maintenance: config.maintenance,
            logger: logger)
        var context = CollectorContext(client: client, store: store, state: state, config: config)
        if tenants == nil, !config.sla.isEmpty { context.completedRuns = engine }
        // With tenants, each tenant's plane has its own receiver.
        let pushes = tenants == nil ? config.push.map { PushReceiver(settings: $0, state: state) } : nil
        context.pushes = pushes
        if let pushes { await state.setPushStats(await pushes.snapshot) }
        // Counters come from stored runs: export them before the first poll answers.
        if tenants == nil { try await context.publishFlows() }
        let collectors = CollectorSet.collectors(
            of: tenants == nil ? Set(Resource.allCases) : CollectorSet.instanceResources, context: context,
            looksBack: looksBack, logger: logger)
        let history = HistoryRecorder(sink: series, state: state, logger: logger)
        let polling = PollingService(
            collectors: collectors, state: state, intervals: config.poll, logger: logger,
            clock: ContinuousClock(), redactor: redactor, history: history,
            afterPoll: tenants != nil || config.sla.isEmpty ? nil : Self.evaluateAfterPoll(engine))
        var maintenance = HistoryMaintenance(
            store: series, recorder: history, retention: config.storage.retention,
            logger: logger)
        maintenance.runs = store
        maintenance.episodes = slaStore
        let apiURL = ClientConfiguration(baseURL: config.api.url, credentials: config.api.credentials).restBaseURL
        let web = try config.web.configFile.map { path in (path, try WebConfig.load(path: path)) }
        for warning in web?.1.warnings ?? [] { logger.warning("\(warning)") }
        let directory = tenants.map { _ in TenantDirectory() }
        let view = ExporterView(state: state, tenants: directory)
        var controllers: [any ExporterController] = [
            ProbesController(view: view, apiURL: redactor.scrub(apiURL.absoluteString)),
            MetricsController(view: view),
            SLAController(view: view, store: slaStore),
            SeriesController(reader: reader, limits: config.query),
            ReportsController(service: UsageReportService(path: config.storage.path))
        ]
        if let settings = config.push {
            if let pushes { controllers.append(PushController(settings: settings, receiver: pushes)) }
            if let directory {
                controllers.append(
                    PushController(
                        settings: settings,
                        receivers: { tenant in
                            guard let tenant else { return nil }
                            return await directory.receiver(forTenant: tenant)
                        }))
            }
        }
        let router = ExporterRoutes.router(
            controllers,
            authentication: web.map {
                ExporterRoutes.Authentication(
                    authenticator: WebAuthenticator(path: $0.0, config: $0.1, logger: logger),
                    healthRequiresAuth: config.web.healthRequiresAuth, onFailure: { await state.recordAuthFailure() })
            })
        let server = Application(
            router: router,
            server: try WebServer.builder(web?.1, connections: ConnectionLimit(maximum: config.web.maxConnections)),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "etlworks-exporter"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? address.port) },
            logger: logger)
        var services: [any Service] = [polling, maintenance, FlowLimitWatch(view: view, logger: logger)]
        if let pushes { services.append(PushedRunsService(receiver: pushes, context: context, logger: logger)) }
        if let tenants, let directory {
            let planes = TenantPlanes(
                config: config, client: client, store: store, slaStore: slaStore, series: series, reader: reader,
                alerts: dispatcher.isEnabled ? dispatcher : nil, requests: requests, intervals: intervals,
                looksBack: looksBack, redactor: redactor, logger: logger)
            services.append(
                TenantsService(
                    selection: tenants, directory: directory, logger: logger,
                    list: { try await client.tenants().items }, makePlane: { await planes.make($0) }))
        }
        // Always: with no rules it only closes the breaches of rules removed from the config.
        services.append(
            SLAService(
                engine: engine, dispatcher: dispatcher.isEnabled ? dispatcher : nil,
                interval: min(30, config.poll.executions), logger: logger))
        services.append(server)
        return ExporterRuntime(
            state: state, store: store, series: series, services: services,
            listenAddress: address)
    }

    /// Evaluates the SLA rules after each poll of what they judge.
    static func evaluateAfterPoll(_ engine: SLAEngine) -> @Sendable (Resource) async -> Void {
        { resource in
            if resource != .health && resource != .summary { await engine.evaluate() }
        }
    }

    /// A live state with the configuration's export settings.
    static func state(config: ExporterConfig, intervals: [Resource: Double], requests: RequestCounter) async -> ExporterState {
        let state = ExporterState(storagePath: config.storage.path, intervals: intervals, requests: requests)
        await state.setExportSettings(config.metrics)
        await state.setStreamingFlows(config.api.streamingFlows)
        await state.setScheduleTimeZone(config.api.schedulerTimeZone ?? config.api.timeZone ?? TimeZone(identifier: "UTC")!)
        return state
    }
}
