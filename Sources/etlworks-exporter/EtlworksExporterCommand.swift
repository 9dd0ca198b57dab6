import ArgumentParser
import ExporterBase

/// The command line: `serve`, `simulate`, `demo`, `check-config`, `db`, `sla`, `report`, `metrics`.
@main
struct EtlworksExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etlworks-exporter",
        abstract: "Prometheus exporter for Etlworks: flow runs, SLAs, agents and billing.",
        version: "etlworks-exporter \(buildVersion) (revision \(buildRevision))",
        subcommands: [
            ServeCommand.self, SimulateCommand.self, DemoCommand.self, CheckConfigCommand.self, DatabaseCommand.self,
            SLACommand.self, ReportCommand.self, MetricsCommand.self
        ])
}
