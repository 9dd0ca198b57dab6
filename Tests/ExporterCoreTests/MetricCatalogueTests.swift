import ExporterConfiguration
import Foundation
import Testing
import Vocabulary

@testable import Alerting
@testable import EtlworksAPI
@testable import ExporterCore
@testable import Exposition
@testable import SLA
@testable import Store

/// The catalogue is the one definition of every family: what /metrics serves, what history
/// stores and what the README documents must each match it exactly.
@Suite struct MetricCatalogueTests {
    /// The renderer's fixture snapshot, plus SLA results of every kind and notification counts,
    /// so that every family the exporter can serve is in it.
    static func fullSnapshot() async -> ExporterSnapshot {
        var snapshot = await RendererTests.snapshot()
        snapshot.process = ProcessStats(
            cpuSeconds: 12.5, residentBytes: 31_457_280, virtualBytes: 1_073_741_824, startTimeSeconds: 1_764_000_000,
            openFds: 23, maxFds: 1_048_576)
        var sla = SLASnapshot()
        sla.evaluatedAt = 1_764_000_400
        sla.evaluationSeconds = 0.01
        sla.rules = [
            SLARule(
                name: "orders-objective", target: .flows(FlowSelector()), condition: .objective(target: 0.99, window: 86400),
                severity: .critical, holdFor: 0),
            SLARule(name: "nightly-in-an-hour", target: .flows(FlowSelector()), condition: .maxDuration(seconds: 3600)),
            SLARule(name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(3))
        ]
        var measurement = SLAMeasurement(holds: true, value: 0.9, threshold: 0.99)
        measurement.errorBudgetRemaining = -9
        measurement.burnRates = SLOBurnWindows.windows.map { _ in 10 }
        measurement.burnThresholds = [nil, nil, 0.48, nil, 0.2, 0.1, nil]
        measurement.projectedRatio = 1.2
        sla.results = [
            SLAResult(
                rule: "orders-objective", severity: .critical, condition: "objective",
                target: SLATarget(kind: .flow, id: 7, name: "orders"), phase: .breaching, since: 1_764_000_000,
                breachStart: 1_764_000_000, measurement: measurement, breachesTotal: 1, compliance30d: 0.5,
                complianceMonth: 0.5,
                labels: LabelSet([
                    ("sla", "orders-objective"), ("flow_id", "7"), ("flow_name", "orders"), ("severity", "critical")
                ])),
            SLAResult(
                rule: "nightly-in-an-hour", severity: .warning, condition: "max_duration",
                target: SLATarget(kind: .flow, id: 7, name: "orders"), phase: .ok, since: nil, breachStart: nil,
                measurement: SLAMeasurement(holds: false, value: 1800, threshold: 3600), breachesTotal: 0, compliance30d: 1,
                complianceMonth: 1,
                labels: LabelSet([
                    ("sla", "nightly-in-an-hour"), ("flow_id", "7"), ("flow_name", "orders"), ("severity", "warning")
                ])),
            SLAResult(
                rule: "streak", severity: .warning, condition: "consecutive_failures",
                target: SLATarget(kind: .flow, id: 7, name: "orders"), phase: .pending, since: 1_764_000_300, breachStart: nil,
                measurement: SLAMeasurement(holds: true, value: 3, threshold: 3), breachesTotal: 2, compliance30d: 0.9,
                complianceMonth: 0.8,
                labels: LabelSet([("sla", "streak"), ("flow_id", "7"), ("flow_name", "orders"), ("severity", "warning")]))
        ]
        snapshot.sla = sla
        snapshot.notifications = ["alertmanager": NotificationStats()]
        var push = PushStats()
        push.received = ["Flow.Executed": 3]
        push.lastEvent = 1_700_000_000
        snapshot.push = push
        return snapshot
    }

    /// Family name → the label names its samples carry, read from a text exposition.
    static func families(_ exposition: String) -> [String: Set<String>] {
        var families: [String: Set<String>] = [:]
        var current = ""
        for line in exposition.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                current = String(line.split(separator: " ")[2])
                families[current] = []
            } else if !line.hasPrefix("#"), let open = line.firstIndex(of: "{") {
                let labels = line[line.index(after: open)...].matches(of: /([a-zA-Z_][a-zA-Z0-9_]*)="/).map { String($0.1) }
                families[current, default: []].formUnion(labels)
            }
        }
        return families
    }

    @Test func everyServedFamilyHasADescriptorAndEveryDescriptorIsServed() async throws {
        let snapshot = await Self.fullSnapshot()
        let exposition = String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self)
        // With tenants, the tenant families, and `tenant_id` on every per-tenant series.
        let tenants = [MetricsRenderer.TenantPart(tenant: Tenant(id: "4", name: "eu"), snapshot: snapshot, up: true)]
        let withTenants = String(
            decoding: MetricsRenderer.render(instance: snapshot, tenants: tenants, format: .prometheusText), as: UTF8.self)
        var served = Self.families(exposition)
        for (name, labels) in Self.families(withTenants) {
            served[name, default: []].formUnion(labels.subtracting(["tenant_id"]))
        }
        let catalogue = Dictionary(uniqueKeysWithValues: MetricCatalogue.scraped.map { ($0.sampleName, $0) })
        #expect(Set(served.keys).subtracting(catalogue.keys).isEmpty, "served without a descriptor")
        #expect(Set(catalogue.keys).subtracting(served.keys).isEmpty, "described but never served")
        for (name, labels) in served {
            guard let descriptor = catalogue[name] else { continue }
            let allowed = Set(descriptor.labels + (descriptor.type == .histogram ? ["le"] : []))
            #expect(labels.isSubset(of: allowed), "\(name) carries \(labels.subtracting(allowed)) not in its descriptor")
        }
        #expect(Set(MetricCatalogue.all.map(\.name)).count == MetricCatalogue.all.count, "a family is defined twice")
    }

    @Test func storedSeriesAreNamedByTheCatalogue() async throws {
        let snapshot = await Self.fullSnapshot()
        let samples = Resource.allCases.flatMap {
            HistorySamples.after($0, snapshot: snapshot) + HistorySamples.pollResult($0, snapshot: snapshot)
        }
        let stored = Set(samples.map(\.key.name))
        for name in stored {
            let descriptor = MetricCatalogue.descriptor(forSampleName: name)
            #expect(descriptor?.exposure.contains(.stored) == true, "\(name) is stored but has no stored descriptor")
        }
        for descriptor in MetricCatalogue.all where descriptor.exposure.contains(.stored) {
            #expect(
                descriptor.queryNames.contains(where: stored.contains) || stored.contains(descriptor.storedName),
                "\(descriptor.name) is described as stored but never stored")
        }
    }

    /// Rows of the README's metric tables: `| \`name\` | type | labels | meaning |` in
    /// "Metrics", `| \`name\` | type | meaning |` in "SLA rules".
    @Test func theReadmeDocumentsEveryServedFamilyAsTheCatalogueDefinesIt() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        // The "Metrics" and "SLA rules" sections; "History" lists stored series, not families.
        let sections = readme.components(separatedBy: "\n## ").filter { $0.hasPrefix("Metrics\n") || $0.hasPrefix("SLA rules\n") }
        #expect(sections.count == 2)
        var documented: [String: (type: String, labels: [String]?)] = [:]
        for line in sections.joined().split(separator: "\n") where line.hasPrefix("| `etlworks_") || line.hasPrefix("| `process_")
        {
            // `\|` is a pipe inside a cell.
            let cells = line.replacingOccurrences(of: "\\|", with: "¦").split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let names = cells[1].matches(of: /`((?:etlworks|process)_[a-z_]+)`/).map { String($0.1) }
            let type = String(cells[2].split(separator: ",")[0])
            let labels: [String]? =
                cells.count > 5
                ? (cells[3] == "—"
                    ? []
                    : cells[3].split(separator: ",").map {
                        String($0.split(separator: "=")[0]).trimmingCharacters(in: .whitespaces)
                    })
                : nil
            for name in names { documented[name] = (type, labels) }
        }
        let catalogue = MetricCatalogue.scraped
        #expect(Set(documented.keys) == Set(catalogue.map(\.sampleName)), "README and catalogue list different families")
        for descriptor in catalogue {
            guard let row = documented[descriptor.sampleName] else { continue }
            let type = descriptor.type == .info ? "gauge (info)" : descriptor.type.rawValue
            #expect(row.type == type, "\(descriptor.sampleName): README says \(row.type)")
            if let labels = row.labels {
                #expect(labels == descriptor.labels, "\(descriptor.sampleName): README labels \(labels)")
            }
        }
    }
}
