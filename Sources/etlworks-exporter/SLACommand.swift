import ArgumentParser
import ExporterConfiguration
import ExporterCore
import Foundation
import SLA

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `sla`: read SLA state from a running exporter.
struct SLACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sla", abstract: "Show SLA state from a running exporter.", subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what breaches and what is pending, as a table (from GET /api/v1/sla).")

        @Option(
            name: .customLong("url"),
            help: "The exporter's base URL (default: from --config's web.listen_address, else http://127.0.0.1:9720).")
        var url: String?

        @Option(name: .customLong("config"), help: "Configuration file to take the listen address from.")
        var config: String?

        @Flag(name: .customLong("all"), help: "Also list targets that comply.")
        var all = false

        func run() async throws {
            var base = url ?? "http://127.0.0.1:9720"
            if url == nil, let config {
                switch configLoader().load(path: config) {
                case .success(let loaded):
                    let address = loaded.web.listenAddress.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1")
                        .replacingOccurrences(of: "[::]", with: "[::1]")
                    base = "http://\(address)"
                case .failure(let errors):
                    printError("error: \(config):\n\(errors)")
                    throw ExitCode(1)
                }
            }
            guard let endpoint = URL(string: base.hasSuffix("/") ? base + "api/v1/sla" : base + "/api/v1/sla") else {
                printError("error: '\(base)' is not a URL")
                throw ExitCode(1)
            }
            do {
                var request = URLRequest(url: endpoint, timeoutInterval: 10)
                request.setValue("application/json", forHTTPHeaderField: "Accept")
                let (data, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                guard status == 200 else {
                    printError("error: \(endpoint) answered HTTP \(status)")
                    throw ExitCode(1)
                }
                print(try SLAStatusTable.render(data, all: all), terminator: "")
            } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("error: cannot read \(endpoint): \(error)")
                throw ExitCode(1)
            }
        }
    }
}
