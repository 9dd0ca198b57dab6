import ArgumentParser
import EtlworksAPI
import ExporterApp
import ExporterBase
import ExporterConfiguration
import FoundationEssentials

/// `check-config`: validates a configuration file and prints every problem.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; exit 1 on error.")

    @Option(name: .customLong("config"), help: "YAML configuration file.")
    var configPath: String

    func run() throws {
        let (config, warnings) = try loadConfig(configPath)
        for warning in warnings { printError("warning: \(warning)") }
        let auth: String
        switch config.api.credentials {
        case .apiKey: auth = "API key"
        case .login(let user, _): auth = "login \(user) with password"
        }
        printLine(
            """
            \(configPath): OK
              etlworks.url: \(config.api.url.absoluteString) (\(auth))
              poll: executions \(DurationText.format(config.poll.executions)), flows \(DurationText.format(config.poll.flows)), \
            summary \(DurationText.format(config.poll.summary)), agents \(DurationText.format(config.poll.agents)), \
            billing \(DurationText.format(config.poll.billing)), health \(DurationText.format(config.poll.health)), \
            backfill \(DurationText.format(config.poll.backfill))
              storage.path: \(config.storage.path)
              web.listen_address: \(config.web.listenAddress)
            """)
    }
}
