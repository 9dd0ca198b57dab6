import ArgumentParser
import EtlworksAPI
import ExporterBase
import ExporterConfiguration
import ExporterCore
import Foundation
import Hummingbird
import Logging
import SLA
import Simulator
import Vocabulary

/// `demo`: the simulator and the daemon in one process, with a local database file.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the exporter against a built-in simulated Etlworks tenant.")

    @Option(name: .customLong("web.listen-address"), help: "Where the exporter listens.")
    var listenAddress = "127.0.0.1:9720"

    @Option(name: .customLong("storage.path"), help: "The demo's database file.")
    var storagePath = "./etlworks-exporter-demo.db"

    @Option(name: .customLong("flows"), help: "Number of simulated flows.")
    var flows = 25

    @Option(name: .customLong("log.level"), help: "Log level.")
    var logLevel = "info"

    @Option(
        name: .customLong("metrics.flow-name-label"),
        help: "Whether per-flow series carry flow_name (false, the default: only etlworks_flow_info does).")
    var flowNameLabel = false

    func run() async throws {
        var options = SimulatorOptions(flows: flows, seed: 42, runEvery: 60, history: 86400)
        // Two change-data-capture flows, running for two hours: the exporter finds them by
        // asking their runs' tasks, and shows their streams.
        options.streamFlows = 2
        let simulator = EtlworksSimulator(options: options)
        var simulatorLogger = Logger(label: "etlworks-simulator", factory: { _ in SwiftLogNoOpLogHandler() })
        simulatorLogger.logLevel = .critical
        let portBox = PortBox()
        let simulatorApp = SimulatorServer.application(
            simulator: simulator, host: "127.0.0.1", port: 0,
            logger: simulatorLogger
        ) { port in await portBox.set(port) }
        let simulatorTask = Task { try await simulatorApp.runService() }
        defer { simulatorTask.cancel() }
        let simulatorPort = try await portBox.wait()

        var api = ExporterConfig.API(
            url: URL(string: "http://127.0.0.1:\(simulatorPort)")!,
            credentials: .apiKey(options.apiKeys[0]))
        api.maxRequestsPerSecond = 50
        var config = ExporterConfig(api: api)
        config.poll.executions = 5
        config.poll.flows = 30
        config.poll.summary = 15
        config.poll.agents = 15
        config.poll.billing = 60
        config.poll.health = 10
        config.poll.streams = 5
        config.poll.backfill = 2 * 86400
        config.storage.path = storagePath
        config.web.listenAddress = listenAddress
        config.log.level = logLevel
        config.metrics.flowNameLabel = flowNameLabel
        // A few rules the simulated tenant breaks now and then, to show /sla and the metrics.
        config.sla = [
            SLARule(
                name: "error-rate", target: .flows(FlowSelector()), condition: .errorRate(max: 0.2, window: 3600, minRuns: 3)),
            SLARule(
                name: "two-failures-in-a-row", target: .flows(FlowSelector()), condition: .consecutiveFailures(2),
                severity: .critical),
            SLARule(
                name: "nightly-p95", target: .flows(FlowSelector(tags: ["nightly"])),
                condition: .durationPercentile(p: 0.95, max: 600, window: 86400)),
            SLARule(name: "agents-online", target: .agents([try Glob("*")]), condition: .agentOffline(for: 60)),
            SLARule(name: "allowance", target: .tenant, condition: .billingUsage(maxRatio: 0.9, period: .month)),
            SLARule(
                name: "orders-slo", target: .flows(FlowSelector(tags: ["orders"])),
                condition: .objective(target: 0.9, window: 7 * 86400))
        ]
        // A critical breach in a demo is information, not a failed exporter.
        config.slaHealth.critical = .warn
        try await runDaemon(
            config: config, extraServices: [],
            banner: """
                demo: simulated Etlworks API at http://127.0.0.1:\(simulatorPort)/rest with \(flows) flows and \(options.streamFlows) streams; database \(storagePath)
                demo: open /metrics, /health, /sla or / on the address above; Ctrl-C stops it
                """)
    }
}

/// Hands the simulator's bound port to the demo once it listens.
actor PortBox {
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func set(_ value: Int) {
        port = value
        for waiter in waiters { waiter.resume(returning: value) }
        waiters.removeAll()
    }

    func wait() async throws -> Int {
        if let port { return port }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
