import ArgumentParser
import EtlworksAPI
import Exporter
import Foundation
import Logging
import ServiceLifecycle

/// `serve`: the daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the exporter daemon.")

    @Option(name: .customLong("config"), help: "YAML configuration file.")
    var configPath: String

    @Option(name: .customLong("web.listen-address"), help: "Overrides web.listen_address.")
    var listenAddress: String?

    @Option(name: .customLong("storage.path"), help: "Overrides storage.path.")
    var storagePath: String?

    @Option(name: .customLong("log.level"), help: "Overrides log.level (trace, debug, info, warning, error).")
    var logLevel: String?

    @Option(name: .customLong("log.format"), help: "Overrides log.format (logfmt or json).")
    var logFormat: String?

    func run() async throws {
        var config = try loadConfig(configPath)
        if let listenAddress { config.web.listenAddress = listenAddress }
        if let storagePath { config.storage.path = storagePath }
        if let logLevel { config.log.level = logLevel }
        if let logFormat { config.log.format = logFormat }
        try await runExporter(config: config, extraServices: [])
    }
}

/// Loads and validates a config file, printing every problem and exiting 1 on error.
func loadConfig(_ path: String) throws -> ExporterConfig {
    switch ConfigLoader().load(path: path) {
    case .success(let config):
        return config
    case .failure(let errors):
        for issue in errors.issues { printError("\(path): \(issue)") }
        throw ExitCode(1)
    }
}

/// Runs the daemon until SIGTERM or SIGINT.
func runExporter(config: ExporterConfig, extraServices: [any Service], banner: String? = nil) async throws {
    if LogSettings.level(config.log.level) == nil || !["logfmt", "json"].contains(config.log.format) {
        printError("invalid --log.level or --log.format")
        throw ExitCode(1)
    }
    LogSettings.bootstrap(level: config.log.level, format: config.log.format,
                          redactor: Redactor(secrets: config.api.credentials.secrets))
    let logger = Logger(label: "etlworks-exporter")
    let runtime: ExporterRuntime
    do {
        runtime = try await ExporterRuntime.make(config: config, logger: logger) { port in
            let host = ListenAddress(config.web.listenAddress)?.host ?? "127.0.0.1"
            let shown = host.contains(":") ? "[\(host)]" : host
            printLine("etlworks-exporter listening on http://\(shown):\(port)" + (banner.map { "\n\($0)" } ?? ""))
        }
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
    logger.info("Starting", metadata: ["storage.path": "\(config.storage.path)", "web.listen_address": "\(config.web.listenAddress)"])
    let group = ServiceGroup(configuration: .init(
        services: (extraServices + runtime.services).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))
    try await group.run()
    await runtime.store.close()
    logger.info("Stopped")
}

func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
