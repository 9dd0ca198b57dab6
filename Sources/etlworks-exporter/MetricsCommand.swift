import ArgumentParser
import ExporterCore
import Exposition
import Foundation
import Vocabulary

/// `metrics`: the catalogue of metric families, for people and for the dashboard and alert
/// checks (scripts/check-monitoring.py reads the JSON).
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "List every metric family the exporter serves or stores.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "text (a table) or json.")
    var format: Format = .text

    func run() throws {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            printLine(String(decoding: try encoder.encode(MetricCatalogue.all.map(Entry.init)), as: UTF8.self))
        case .text:
            for descriptor in MetricCatalogue.all {
                let exposure = [
                    descriptor.exposure.contains(.scraped) ? "scraped" : nil,
                    descriptor.exposure.contains(.stored) ? "stored" : nil
                ].compactMap { $0 }
                printLine(
                    "\(descriptor.sampleName)  \(descriptor.type.rawValue)  {\(descriptor.labels.joined(separator: ","))}"
                        + "  \(exposure.joined(separator: "+"))  \(descriptor.help)")
            }
        }
    }

    /// One family as JSON.
    struct Entry: Encodable {
        var name: String
        var type: String
        var help: String
        var labels: [String]
        var sampleName: String
        var queryNames: [String]
        var scraped: Bool
        var stored: Bool

        init(_ descriptor: MetricDescriptor) {
            name = descriptor.name
            type = descriptor.type.rawValue
            help = descriptor.help
            labels = descriptor.labels
            sampleName = descriptor.sampleName
            queryNames = descriptor.queryNames
            scraped = descriptor.exposure.contains(.scraped)
            stored = descriptor.exposure.contains(.stored)
        }

        enum CodingKeys: String, CodingKey {
            case name, type, help, labels, scraped, stored
            case sampleName = "sample_name"
            case queryNames = "query_names"
        }
    }
}
