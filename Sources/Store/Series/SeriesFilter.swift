/// What the series reader needs of a selector: the metric name, the stored labels that must
/// equal a value (they narrow the scan in SQL before the full test), and the full test of a
/// series' labels, which answers nil once its budget is spent. The selector's syntax and its
/// matchers live with the series query (`SeriesQuery.SeriesSelector`).
public protocol SeriesFilter: Sendable {
    var metricName: String { get }
    /// Labels the series must carry with exactly this value (never `flow_name`, which is
    /// not stored on the series).
    var requiredLabels: [SeriesLabel] { get }
    /// A test ready to run over many series; each call shares one budget.
    func labelTest() -> (_ labels: [SeriesLabel]) -> Bool?
    /// Why the test answered nil, for the client.
    var budgetExhaustedMessage: String { get }
}
