import ArgumentParser
import ExporterConfiguration
import ExporterCore
import Foundation
import Reports

/// `report usage`: a month of runs, billing, agents and SLA from the database.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports from the exporter's database.", subcommands: [Usage.self])

    struct Usage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A month's usage: runs, flows, billing, agents, SLA compliance and data coverage.",
            discussion:
                "Exit status: 0 with a report (also an empty one), 1 when the database cannot be read, 2 for a bad parameter.")

        @Option(name: .customLong("month"), help: "YYYY-MM (default: the previous calendar month in --tz).")
        var month: String?

        @Option(name: .customLong("tz"), help: "IANA time zone the days are cut in (default UTC).")
        var timeZone: String?

        @Option(name: .customLong("format"), help: "json, csv, markdown or html (default json).")
        var format: String?

        @Option(name: .customLong("table"), help: "CSV only: tenant, tenants, flows, daily, sla or agents (default tenant).")
        var table: String?

        @Option(name: .customLong("output"), help: "Write to FILE instead of standard output.")
        var output: String?

        @Option(
            name: .customLong("storage.path"),
            help: "The database file (default: --config's storage.path, else ./etlworks-exporter.db).")
        var storagePath: String?

        @Option(name: .customLong("config"), help: "Configuration file to take storage.path from.")
        var config: String?

        /// For benchmarks: the command's own wall time and peak memory on stderr.
        @Flag(name: .customLong("stats"), help: .hidden)
        var stats = false

        func run() async throws {
            let started = Date()
            defer {
                if stats {
                    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
                    let peak =
                        status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?
                        .split(separator: " ").compactMap { Double($0) }.first ?? 0
                    printError(
                        String(format: "stats: peak resident %.1f MiB, %.2f s", peak / 1024, Date().timeIntervalSince(started)))
                }
            }
            let request: UsageReportRequest
            do {
                request = try UsageReportRequest.parse(
                    month: month, timeZone: timeZone, format: format, table: table, now: Date())
            } catch {
                printError("error: --\(error.parameter): \(error.message)")
                throw ExitCode(2)
            }
            if table != nil && request.format != .csv {
                printError("error: --table: only CSV reports are cut into tables; add --format csv")
                throw ExitCode(2)
            }
            var path = storagePath ?? ExporterConfig.Storage().path
            if storagePath == nil, let config {
                switch configLoader().load(path: config) {
                case .success(let loaded): path = loaded.storage.path
                case .failure(let errors):
                    printError("error: \(config):\n\(errors)")
                    throw ExitCode(2)
                }
            }
            guard FileManager.default.fileExists(atPath: path) else {
                printError("error: no database at \(path) (give --storage.path or --config)")
                throw ExitCode(1)
            }
            let report: UsageReport
            do {
                report = try await UsageReportBuilder.build(path: path, month: request.month, now: Date())
            } catch {
                printError("error: cannot build the report: \(error)")
                throw ExitCode(1)
            }
            let text = report.rendered(as: request.format, table: request.table)
            guard let output else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            do {
                // Whole or not at all: a reader never sees half a report.
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                printError("error: cannot write \(output): \(error.localizedDescription)")
                throw ExitCode(1)
            }
            if !report.notes.isEmpty { printError(report.notes.map { "note: " + $0 }.joined(separator: "\n")) }
        }
    }
}
