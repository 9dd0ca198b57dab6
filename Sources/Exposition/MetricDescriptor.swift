/// One metric family, defined once: its name, type, help and label names. The renderer writes
/// families from descriptors, the history recorder stores series under their names, and the
/// README, the dashboards and the alert rules are checked against them.
public struct MetricDescriptor: Sendable, Hashable {
    /// Where a family shows: scraped from /metrics, kept in the stored history, or both.
    public struct Exposure: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let scraped = Exposure(rawValue: 1)
        public static let stored = Exposure(rawValue: 2)
    }

    /// The base name: without `_total` for a counter and without `_info` for an info metric
    /// (the writer adds them, as each format requires).
    public let name: String
    public let type: MetricType
    public let help: String
    /// The label names its series carry (for SLA families, the union over target kinds).
    public let labels: [String]
    public let exposure: Exposure

    public init(_ name: String, _ type: MetricType, help: String, labels: [String] = [], exposure: Exposure = .scraped) {
        self.name = name
        self.type = type
        self.help = help
        self.labels = labels
        self.exposure = exposure
    }

    /// The name its samples carry in the Prometheus text format (`_total` on counters,
    /// `_info` on info metrics), which is also the name of its stored series.
    public var sampleName: String {
        switch type {
        case .counter: name + "_total"
        case .info: name + "_info"
        case .gauge, .histogram: name
        }
    }

    /// The name of its stored history series: the sample name, but an info metric's base name
    /// (as first stored; a rename would split existing histories).
    public var storedName: String { type == .info ? name : sampleName }

    /// Every name a query may use for it: a histogram's `_bucket`, `_sum` and `_count` too.
    public var queryNames: [String] {
        type == .histogram ? [name, name + "_bucket", name + "_sum", name + "_count"] : [sampleName]
    }
}
