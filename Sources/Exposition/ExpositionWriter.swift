/// Writes metric families in the Prometheus text format 0.0.4 or OpenMetrics 1.0.
///
/// Callers announce a family, then write its samples; the writer applies the format's naming
/// rules (`_total` on counter samples, `_info` on info samples, `# EOF` in OpenMetrics) and
/// escaping. Output goes into one byte buffer: rendering thousands of flows is a matter of
/// copying pre-rendered label bytes.
public struct ExpositionWriter {
    /// The format being written.
    public let format: ExpositionFormat
    private var buffer: [UInt8] = []
    private var sampleName: [UInt8] = []
    private var familyName: [UInt8] = []
    private var familyType: MetricType = .gauge
    /// Families not written (`metrics.disable`), by name: their header and samples are dropped.
    private let disabled: Set<String>
    private var skipping = false

    public init(format: ExpositionFormat, reservingCapacity capacity: Int = 64 * 1024, disabled: Set<String> = []) {
        self.format = format
        self.disabled = disabled
        buffer.reserveCapacity(capacity)
    }

    /// Starts the family a descriptor defines.
    public mutating func family(_ descriptor: MetricDescriptor) {
        skipping = disabled.contains(descriptor.name)
        if skipping { return }
        family(descriptor.name, type: descriptor.type, help: descriptor.help)
    }

    /// Starts a family. `name` is the base name: without `_total` for a counter and without
    /// `_info` for an info metric (the writer adds them).
    mutating func family(_ name: String, type: MetricType, help: String) {
        assert(Self.isValidMetricName(name), "invalid metric name \(name)")
        familyType = type
        familyName = Array(name.utf8)
        switch type {
        case .counter: sampleName = familyName + Array("_total".utf8)
        case .info: sampleName = familyName + Array("_info".utf8)
        case .gauge, .histogram: sampleName = familyName
        }
        let headerName: [UInt8]
        let headerType: String
        switch (format, type) {
        case (.prometheusText, .counter), (.prometheusText, .info):
            headerName = sampleName
            headerType = type == .counter ? "counter" : "gauge"
        default:
            headerName = familyName
            headerType = type.rawValue
        }
        buffer.append(contentsOf: "# HELP ".utf8)
        buffer.append(contentsOf: headerName)
        buffer.append(UInt8(ascii: " "))
        appendHelp(help)
        buffer.append(contentsOf: "\n# TYPE ".utf8)
        buffer.append(contentsOf: headerName)
        buffer.append(UInt8(ascii: " "))
        buffer.append(contentsOf: headerType.utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// One sample of a counter, gauge or info family.
    public mutating func sample(_ labels: LabelSet, _ value: Double) {
        writeSample(suffix: nil, labels: labels, extra: nil, value: value)
    }

    /// One sample with one more label pair after `labels` (e.g. `status="error"`).
    public mutating func sample(_ labels: LabelSet, _ name: String, _ labelValue: String, _ value: Double) {
        writeSample(suffix: nil, labels: labels, extra: LabelSet([(name, labelValue)]), value: value)
    }

    /// One sample with extra pairs rendered beforehand (saves escaping in loops).
    public mutating func sample(_ labels: LabelSet, extra: LabelSet, _ value: Double) {
        writeSample(suffix: nil, labels: labels, extra: extra, value: value)
    }

    /// A whole histogram series. `bucketLabels[i]` must be the pre-rendered `le` pair for
    /// `upperBounds[i]` (see `HistogramLayout`), `cumulativeCounts` one per bound, the last
    /// being `+Inf` and equal to `count`.
    public mutating func histogram(_ labels: LabelSet, layout: HistogramLayout, cumulativeCounts: [UInt64], sum: Double) {
        if skipping { return }
        precondition(cumulativeCounts.count == layout.leLabels.count, "one count per bucket")
        for (index, leLabel) in layout.leLabels.enumerated() {
            writeSample(suffix: "_bucket", labels: labels, extra: leLabel, value: Double(cumulativeCounts[index]))
        }
        let count = cumulativeCounts.last ?? 0
        writeSample(suffix: "_sum", labels: labels, extra: nil, value: sum)
        writeSample(suffix: "_count", labels: labels, extra: nil, value: Double(count))
    }

    /// The finished document (with `# EOF` in OpenMetrics, unless it is a part that goes
    /// before another document).
    public consuming func finish(endOfDocument: Bool = true) -> [UInt8] {
        if format == .openMetrics, endOfDocument { buffer.append(contentsOf: "# EOF\n".utf8) }
        return buffer
    }

    // MARK: Private

    private mutating func writeSample(suffix: String?, labels: LabelSet, extra: LabelSet?, value: Double) {
        if skipping { return }
        append(sampleName)
        if let suffix { buffer.append(contentsOf: suffix.utf8) }
        let hasExtra = !(extra?.bytes.isEmpty ?? true)
        if !labels.bytes.isEmpty || hasExtra {
            buffer.append(UInt8(ascii: "{"))
            append(labels.bytes)
            if let extra, hasExtra {
                if !labels.bytes.isEmpty { buffer.append(UInt8(ascii: ",")) }
                append(extra.bytes)
            }
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: " "))
        NumberFormatting.append(value, to: &buffer)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// `append(contentsOf:)` takes an array it is given as owned: a retain and a release per
    /// call, a quarter of a 2,000-flow render. A buffer pointer costs neither.
    @inline(__always)
    private mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
    }

    private mutating func appendHelp(_ help: String) {
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\"") where format == .openMetrics:
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            default: buffer.append(byte)
            }
        }
    }

    /// Whether `name` matches `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isValidMetricName(_ name: String) -> Bool {
        LabelSet.isValidName(String(name.map { $0 == ":" ? "_" : $0 }))
    }
}
