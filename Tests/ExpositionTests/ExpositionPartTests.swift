import Foundation
import Testing

@testable import Exposition

/// Tenants' documents merged into one (issue #28): every family once, each tenant's samples
/// under it with its `tenant_id` first, byte for byte what one writer writes.
@Suite struct ExpositionPartTests {
    static let layout = HistogramLayout(upperBounds: [1, 10])

    /// Writes the families of tenants one family at a time; `labelled`: with `tenant_id` in
    /// the samples' own labels (else the writer adds it).
    static func write(_ writer: inout ExpositionWriter, tenants: [String], labelled: Bool) {
        func labels(_ tenant: String, _ pairs: [(String, String)]) -> LabelSet {
            LabelSet((labelled ? [("tenant_id", tenant)] : []) + pairs)
        }
        writer.family(MetricDescriptor("x_runs", .counter, help: "Runs."))
        for tenant in tenants {
            writer.sample(labels(tenant, [("flow_id", "7")]), extra: LabelSet([("status", "error")]), 2)
        }
        writer.family(MetricDescriptor("x_disabled", .gauge, help: "Not written."))
        for tenant in tenants { writer.sample(labels(tenant, []), 9) }
        writer.family(MetricDescriptor("x_only_second", .gauge, help: "Only tenant 2 has one."))
        for tenant in tenants where tenant != "1" { writer.sample(labels(tenant, [("agent_id", "a")]), 1) }
        writer.family(MetricDescriptor("x_duration_seconds", .histogram, help: "Run time."))
        for tenant in tenants {
            writer.histogram(labels(tenant, [("flow_id", "7")]), layout: layout, cumulativeCounts: [1, 2, 3], sum: 12.5)
        }
        writer.family(MetricDescriptor("x_empty", .gauge, help: "No samples."))
    }

    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics, .protobuf])
    func mergedPartsEqualOneDocumentWrittenFamilyByFamily(_ format: ExpositionFormat) {
        var whole = ExpositionWriter(format: format, disabled: ["x_disabled"])
        Self.write(&whole, tenants: ["1", "2"], labelled: true)
        let expected = whole.finish()
        let documents = ["1", "2"].map { tenant in
            var writer = ExpositionWriter(
                format: format, disabled: ["x_disabled"], baseLabels: LabelSet([("tenant_id", tenant)]), inParts: true)
            Self.write(&writer, tenants: [tenant], labelled: false)
            return writer.finishParts()
        }
        let merged = ExpositionPart.merge(documents, format: format)
        #expect(merged == expected, "\(String(decoding: merged, as: UTF8.self))")
        if format == .prometheusText {
            let text = String(decoding: merged, as: UTF8.self)
            #expect(text.contains(#"x_runs_total{tenant_id="1",flow_id="7",status="error"} 2"#))
            #expect(text.components(separatedBy: "# TYPE x_runs_total").count == 2, "one header per family")
            #expect(!text.contains("x_disabled"))
        }
    }

    @Test func baseLabelsAloneMakeBraces() {
        var writer = ExpositionWriter(format: .prometheusText, baseLabels: LabelSet([("tenant_id", "a\"b")]))
        writer.family(MetricDescriptor("x_up", .gauge, help: "Up."))
        writer.sample(.empty, 1)
        #expect(String(decoding: writer.finish(), as: UTF8.self).hasSuffix("x_up{tenant_id=\"a\\\"b\"} 1\n"))
    }
}
