import Exposition

/// Every metric family the exporter serves or stores, each defined once beside the code that
/// fills it. Read by the renderer, the history recorder, the usage report, `etlworks-exporter
/// metrics` (which the dashboard and alert checks use) and the README's check.
public enum MetricCatalogue {
    public static let all: [MetricDescriptor] =
        FlowListFamilies.all + FlowRunFamilies.all + FlowExpectationFamilies.all + StreamFamilies.all + AgentFamilies.all
        + BillingFamilies.all
        + TenantFamilies.all + WatchedTenantFamilies.all
        + InstanceFamilies.all + SLAFamilies.all + PushFamilies.all + ExporterFamilies.all + ProcessFamilies.all

    /// The families /metrics can serve.
    public static var scraped: [MetricDescriptor] { all.filter { $0.exposure.contains(.scraped) } }

    /// Every name a configuration may give a scraped family (`etlworks_flow_runs`,
    /// `etlworks_flow_runs_total`), mapped to the family's name: what `metrics.disable` takes.
    public static var disableableNames: [String: String] {
        var names: [String: String] = [:]
        for family in scraped {
            names[family.name] = family.name
            names[family.sampleName] = family.name
        }
        return names
    }

    /// The family a stored or scraped sample name belongs to (`etlworks_flow_runs_total`,
    /// `etlworks_flow_run_duration_seconds_sum`, …).
    public static func descriptor(forSampleName name: String) -> MetricDescriptor? {
        all.first { $0.queryNames.contains(name) || $0.name == name }
    }
}
