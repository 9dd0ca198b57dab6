import ArgumentParser
import EtlworksAPI
import Foundation
import Store

/// `db`: inspect and maintain the database file, also while the daemon runs.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Inspect and maintain the exporter's database.",
        subcommands: [Stats.self, Check.self, Backup.self, Vacuum.self])

    struct Location: ParsableArguments {
        @Option(name: .customLong("storage.path"), help: "The database file.")
        var path: String

        func open(readOnly: Bool) throws -> DatabaseMaintenance {
            do {
                return try DatabaseMaintenance(path: path, readOnly: readOnly)
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rows and bytes per table and history tier, oldest and newest run and sample.")
        @OptionGroup var location: Location

        func run() throws {
            let statistics = try failing { try location.open(readOnly: true).statistics() }
            func time(_ milliseconds: Int64?) -> String {
                milliseconds.map { ISO8601DateFormatter().string(from: EpochMillis.date($0)) } ?? "-"
            }
            printLine(
                """
                database: \(statistics.path)
                file: \(statistics.fileBytes) bytes, WAL: \(statistics.walBytes) bytes, schema version \(statistics.schemaVersion)
                flows: \(statistics.flows), open runs: \(statistics.openRuns)
                oldest run: \(time(statistics.oldestRun)), newest run: \(time(statistics.newestRun))
                """)
            func row(_ name: String, _ rows: String, _ bytes: String) -> String {
                name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(1, 16 - rows.count))
                    + rows + String(repeating: " ", count: max(1, 16 - bytes.count)) + bytes
            }
            printLine(row("table", "rows", "bytes"))
            for table in statistics.tables {
                printLine(row(table.name, String(table.rows ?? 0), table.bytes.map(String.init) ?? "-"))
            }
            guard !statistics.tiers.isEmpty else { return }
            func seconds(_ value: Int64?) -> String { time(value.map(EpochMillis.from(wholeSeconds:))) }
            printLine("\nhistory: \(statistics.series) series")
            printLine(row("tier", "rows", "bytes") + "  oldest                newest                complete until")
            for tier in statistics.tiers {
                printLine(
                    row(tier.tier.rawValue, String(tier.rows), tier.bytes.map(String.init) ?? "-")
                        + "  \(seconds(tier.oldest).padding(toLength: 20, withPad: " ", startingAt: 0))"
                        + "  \(seconds(tier.newest).padding(toLength: 20, withPad: " ", startingAt: 0))"
                        + "  \(tier.tier == .raw ? "" : seconds(tier.watermark))")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run SQLite's integrity check; exit 1 on problems.")
        @OptionGroup var location: Location

        func run() throws {
            let messages = try failing { try location.open(readOnly: true).integrityCheck() }
            if messages == ["ok"] {
                printLine("\(location.path): ok")
            } else {
                for message in messages { printError("\(location.path): \(message)") }
                throw ExitCode(1)
            }
        }
    }

    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the database to FILE with SQLite's online backup API (safe while serve runs).")
        @OptionGroup var location: Location
        @Argument(help: "The copy to write; must not exist.")
        var file: String

        func run() throws {
            try failing { try location.open(readOnly: true).backup(to: file) }
            printLine("\(location.path): backed up to \(file)")
        }
    }

    struct Vacuum: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Checkpoint the WAL and rebuild the file to release free pages.")
        @OptionGroup var location: Location

        func run() throws {
            try failing { try location.open(readOnly: false).vacuum() }
            printLine("\(location.path): vacuumed")
        }
    }
}

/// Runs `body`, printing any error and exiting 1.
private func failing<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}
