import ArgumentParser
import ExporterApp
import ExporterBase
import ExporterConfiguration
import ExporterCore
import Foundation
import Logging
import ServiceLifecycle
import Vocabulary

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
        let (path, command) = (configPath, self)
        try await runDaemon(
            config: withOverrides(try loadConfig(path).config),
            reload: {
                WebConfigCheck.checked(configLoader().load(path: path)).config.map(command.withOverrides)
            })
    }

    /// The command-line flags win over the file, also after a reload.
    func withOverrides(_ loaded: ExporterConfig) -> ExporterConfig {
        var config = loaded
        if let listenAddress { config.web.listenAddress = listenAddress }
        if let storagePath { config.storage.path = storagePath }
        if let logLevel { config.log.level = logLevel }
        if let logFormat { config.log.format = logFormat }
        return config
    }
}

/// The loader every command uses: it knows the metric families `metrics.disable` may name
/// (they are defined above the configuration target).
func configLoader() -> ConfigLoader { ConfigLoader(metricFamilies: MetricCatalogue.disableableNames) }

/// Loads and validates a config file and the web configuration it names, printing every
/// problem and exiting 1 on error; returns the web configuration's warnings too.
func loadConfig(_ path: String) throws -> (config: ExporterConfig, warnings: [String]) {
    let (loaded, warnings) = WebConfigCheck.checked(configLoader().load(path: path))
    switch loaded {
    case .success(let config):
        return (config, warnings)
    case .failure(let errors):
        for issue in errors.issues { printError("\(path): \(issue)") }
        throw ExitCode(1)
    }
}

/// Runs the daemon, turning a start failure into exit status 1 (its message printed).
func runDaemon(
    config: ExporterConfig, extraServices: [any Service] = [], banner: String? = nil,
    reload: (@Sendable () -> Result<ExporterConfig, ConfigErrors>)? = nil
) async throws {
    BuildInfo.stamp(version: buildVersion, revision: buildRevision)
    do {
        try await ExporterDaemon.run(
            config: config, extraServices: extraServices, banner: banner, reload: reload,
            announce: printLine)
    } catch let error as ExporterDaemon.StartError {
        printError(error.description)
        throw ExitCode(1)
    }
}

func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
