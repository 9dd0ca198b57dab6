import ArgumentParser
import ExporterBase
import ExporterConfiguration
import ExporterCore
import Foundation
import Hummingbird
import Logging
import Simulator

/// `simulate`: the built-in Etlworks API simulator.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve a simulated Etlworks API (for tests and demos).",
        discussion: "Control endpoints under /_sim/ switch faults, the clock and flows at runtime; see README.md.")

    @Option(name: .customLong("listen"), help: "HOST:PORT to listen on (port 0 picks a free one).")
    var listen = "127.0.0.1:8080"

    @Option(name: .customLong("flows"), help: "Number of flows.")
    var flows = 20

    @Option(name: .customLong("seed"), help: "Seed: the same seed gives the same tenant.")
    var seed: UInt64 = 1

    @Option(name: .customLong("run-every"), help: "Base time between a flow's runs (each flow runs every 1-4 times this).")
    var runEvery = "5m"

    @Option(name: .customLong("history"), help: "How far back runs exist at start.")
    var history = "2d"

    @Option(name: .customLong("agents"), help: "Number of agents.")
    var agents = 3

    @Option(name: .customLong("jwt-lifetime"), help: "Lifetime of JWTs minted at /v1/token-auth.")
    var jwtLifetime = "10m"

    @Option(name: .customLong("api-key"), help: "API key with the Administrator role.")
    var apiKey = "sim-admin-key"

    @Option(name: .customLong("limited-api-key"), help: "API key without the Administrator role.")
    var limitedApiKey = "sim-limited-key"

    @Option(name: .customLong("user"), help: "Login for /v1/token-auth.")
    var user = "admin"

    @Option(name: .customLong("password"), help: "Password for /v1/token-auth.")
    var password = "sim-password"

    @Flag(name: .customLong("plain-names"), help: "Give every flow an ordinary name (no hostile names).")
    var plainNames = false

    @Option(
        name: .customLong("quirks"),
        help: "Comma-separated behaviours of real instances: \(SimulatorQuirk.allCases.map(\.rawValue).joined(separator: ", ")).")
    var quirks = ""

    @Option(name: .customLong("stop-transition"), help: "With stop-transition: how long a stopped run shows canceled.")
    var stopTransition = "2m"

    @Option(name: .customLong("operator-api-key"), help: "API key with the Operator role (flow status and history only).")
    var operatorApiKey = "sim-operator-key"

    @Option(name: .customLong("nodes"), help: "Nodes listed by /health?allNodes=true.")
    var nodes = 1

    @Option(name: .customLong("user-role"), help: "Role of the login user: administrator, editor or operator.")
    var userRole = "administrator"

    @Option(
        name: .customLong("schedule-interval-unit"),
        help: "Unit of schedules given as an interval: minutes (the API page) or seconds (the UI page).")
    var scheduleIntervalUnit = "minutes"

    @Option(
        name: .customLong("stream-flows"),
        help: "Change-data-capture flows (after the others), each with one run that streams until stopped.")
    var streamFlows = 0

    @Option(name: .customLong("stream-age"), help: "How long ago the change-data-capture runs started.")
    var streamAge = "2h"

    @Option(
        name: .customLong("webhook-url"),
        help:
            "Post a Flow.Executed webhook here for every run that ends, as Etlworks webhooks do (with --tenants, tenant N's to URL/N)."
    )
    var webhookURL: String?

    @Option(name: .customLong("webhook-user"), help: "The webhook's basicUser (with --webhook-password).")
    var webhookUser: String?

    @Option(name: .customLong("webhook-password"), help: "The webhook's basicPass.")
    var webhookPassword: String?

    @Option(name: .customLong("tenants"), help: "Tenants of a dedicated instance (0: one tenant, no tenant endpoints).")
    var tenants = 0

    @Option(name: .customLong("refused-tenant"), help: "A tenant id whose switch is refused with 403 (repeatable).")
    var refusedTenants: [Int] = []

    func webhookTarget() throws -> WebhookTarget? {
        guard let webhookURL else { return nil }
        guard let url = URL(string: webhookURL), ["http", "https"].contains(url.scheme ?? "") else {
            throw ValidationError("--webhook-url '\(webhookURL)' is not an http(s) URL")
        }
        return WebhookTarget(url: url, user: webhookUser, password: webhookPassword)
    }

    func options() throws -> SimulatorOptions {
        guard let runEverySeconds = DurationText.seconds(runEvery), runEverySeconds >= 0.1 else {
            throw ValidationError("--run-every '\(runEvery)' is not a duration of at least 100ms")
        }
        guard let historySeconds = DurationText.seconds(history), historySeconds <= 92 * 86400 else {
            throw ValidationError("--history '\(history)' is not a duration of at most 92d")
        }
        guard let jwtSeconds = DurationText.seconds(jwtLifetime), jwtSeconds >= 1 else {
            throw ValidationError("--jwt-lifetime '\(jwtLifetime)' is not a duration of at least 1s")
        }
        guard (0...100_000).contains(flows) else { throw ValidationError("--flows must be 0...100000") }
        guard let stopSeconds = DurationText.seconds(stopTransition), stopSeconds >= 0.1 else {
            throw ValidationError("--stop-transition '\(stopTransition)' is not a duration of at least 100ms")
        }
        var options = SimulatorOptions(
            flows: flows, seed: seed, runEvery: runEverySeconds, history: historySeconds,
            agents: max(0, agents), apiKeys: [apiKey], limitedApiKeys: [limitedApiKey], user: user,
            password: password, jwtLifetime: jwtSeconds, hostileNames: !plainNames)
        do {
            options.quirks = try SimulatorQuirk.parse(quirks)
        } catch {
            throw ValidationError("--quirks: \(error)")
        }
        options.stopTransition = stopSeconds
        options.operatorApiKeys = [operatorApiKey]
        guard let role = SimulatorRole(rawValue: userRole) else {
            throw ValidationError("--user-role '\(userRole)' is not administrator, editor or operator")
        }
        options.userRole = role
        guard ["minutes", "seconds"].contains(scheduleIntervalUnit) else {
            throw ValidationError("--schedule-interval-unit '\(scheduleIntervalUnit)' is not minutes or seconds")
        }
        options.scheduleIntervalInSeconds = scheduleIntervalUnit == "seconds"
        guard (1...16).contains(nodes) else { throw ValidationError("--nodes must be 1...16") }
        options.nodes = nodes
        guard (0...1000).contains(streamFlows) else { throw ValidationError("--stream-flows must be 0...1000") }
        guard let streamAgeSeconds = DurationText.seconds(streamAge), streamAgeSeconds <= 92 * 86400 else {
            throw ValidationError("--stream-age '\(streamAge)' is not a duration of at most 92d")
        }
        options.streamFlows = streamFlows
        options.streamAge = streamAgeSeconds
        guard (0...100).contains(tenants) else { throw ValidationError("--tenants must be 0...100") }
        options.tenants = tenants
        options.refusedTenants = Set(refusedTenants)
        return options
    }

    func run() async throws {
        guard let address = ListenAddress(listen) else { throw ValidationError("--listen '\(listen)' is not HOST:PORT") }
        let simulator = EtlworksSimulator(options: try options())
        if let target = try webhookTarget() { await simulator.sendWebhooks(to: target) }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "etlworks-simulator")
        logger.logLevel = .warning
        let app = SimulatorServer.application(simulator: simulator, host: address.host, port: address.port, logger: logger) {
            port in
            printLine("etlworks simulator listening on http://\(address.host):\(port)")
        }
        try await app.runService()
    }
}
