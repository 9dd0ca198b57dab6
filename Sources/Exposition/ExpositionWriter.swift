/// Writes metric families in the Prometheus text format 0.0.4, OpenMetrics 1.0, or the
/// delimited protocol-buffer format (`io.prometheus.client.MetricFamily`), which alone carries
/// native histograms.
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
    /// Protocol buffers: whether histograms keep their classic buckets beside the native ones.
    private let classicHistograms: Bool
    /// Protocol buffers: the family being written, sent when the next one starts.
    private var protobufFamily: (name: [UInt8], help: String, type: UInt64, metrics: ProtobufEncoding)?
    /// Pairs written first in every sample (a tenant's `tenant_id`).
    private let baseLabels: LabelSet
    /// With parts: the families written so far, and the header of the one being written.
    private var parts: [ExpositionPart]?
    private var partHeader: (name: [UInt8], bytes: [UInt8])?

    public init(
        format: ExpositionFormat, reservingCapacity capacity: Int = 64 * 1024, disabled: Set<String> = [],
        classicHistograms: Bool = true, baseLabels: LabelSet = .empty, inParts: Bool = false
    ) {
        self.format = format
        self.disabled = disabled
        self.classicHistograms = classicHistograms
        self.baseLabels = baseLabels
        if inParts { parts = [] }
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
        if format == .protobuf {
            flushProtobufFamily()
            // client_golang's names: a counter's and an info metric's are their samples'.
            let code: UInt64 = type == .counter ? 0 : type == .histogram ? 4 : 1
            protobufFamily = (type == .histogram ? familyName : sampleName, help, code, ProtobufEncoding())
            return
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
        closePart()
        let headerStart = buffer.count
        buffer.append(contentsOf: "# HELP ".utf8)
        buffer.append(contentsOf: headerName)
        buffer.append(UInt8(ascii: " "))
        appendHelp(help)
        buffer.append(contentsOf: "\n# TYPE ".utf8)
        buffer.append(contentsOf: headerName)
        buffer.append(UInt8(ascii: " "))
        buffer.append(contentsOf: headerType.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if parts != nil {
            partHeader = (familyName, Array(buffer[headerStart...]))
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// With parts: ends the text family being written (its samples are the buffer).
    private mutating func closePart() {
        guard parts != nil, let header = partHeader else { return }
        parts!.append(ExpositionPart(name: header.name, header: header.bytes, body: buffer))
        partHeader = nil
        buffer.removeAll(keepingCapacity: true)
    }

    /// The families written, each apart, to be merged with another document's by
    /// `ExpositionPart.merge` (a writer made with `inParts`).
    public consuming func finishParts() -> [ExpositionPart] {
        flushProtobufFamily()
        closePart()
        return parts ?? []
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
    /// `native`: the same observations in native buckets, written in the protocol-buffer
    /// format only (the text formats cannot carry them).
    public mutating func histogram(
        _ labels: LabelSet, layout: HistogramLayout, cumulativeCounts: [UInt64], sum: Double, native: NativeHistogram? = nil
    ) {
        if skipping { return }
        precondition(cumulativeCounts.count == layout.leLabels.count, "one count per bucket")
        if format == .protobuf {
            protobufHistogram(labels, layout: layout, cumulativeCounts: cumulativeCounts, sum: sum, native: native)
            return
        }
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
        flushProtobufFamily()
        if format == .openMetrics, endOfDocument { buffer.append(contentsOf: "# EOF\n".utf8) }
        return buffer
    }

    // MARK: Private

    private mutating func writeSample(suffix: StaticString?, labels: LabelSet, extra: LabelSet?, value: Double) {
        if skipping { return }
        if format == .protobuf {
            let kind: UInt64 = familyType == .counter ? 3 : 2 // Metric.counter or Metric.gauge
            protobufFamily?.metrics.message(4) { [baseLabels] metric in
                Self.labelPairs(baseLabels, labels, extra, into: &metric)
                metric.message(kind) { $0.double(1, value) }
            }
            return
        }
        append(sampleName)
        // A static string: no UTF-8 view to walk (2 % of a render).
        if let suffix { suffix.withUTF8Buffer { buffer.append(contentsOf: $0) } }
        let hasExtra = !(extra?.bytes.isEmpty ?? true)
        let hasBase = !baseLabels.bytes.isEmpty
        if !labels.bytes.isEmpty || hasExtra || hasBase {
            buffer.append(UInt8(ascii: "{"))
            if hasBase {
                append(baseLabels.bytes)
                if !labels.bytes.isEmpty || hasExtra { buffer.append(UInt8(ascii: ",")) }
            }
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

    // MARK: Protocol buffers

    private mutating func protobufHistogram(
        _ labels: LabelSet, layout: HistogramLayout, cumulativeCounts: [UInt64], sum: Double, native: NativeHistogram?
    ) {
        let classic = classicHistograms || native == nil
        protobufFamily?.metrics.message(4) { [baseLabels] metric in
            Self.labelPairs(baseLabels, labels, nil, into: &metric)
            metric.message(7) { histogram in
                histogram.uint(1, cumulativeCounts.last ?? 0)
                histogram.double(2, sum)
                if classic {
                    // +Inf is implied by the sample count.
                    for (bound, count) in zip(layout.upperBounds, cumulativeCounts) {
                        histogram.message(3) { bucket in
                            bucket.uint(1, count)
                            bucket.double(2, bound)
                        }
                    }
                }
                guard let native else { return }
                histogram.sint(5, Int64(native.schema))
                // A zero threshold above 0 marks the histogram native even with no observation.
                histogram.double(6, NativeHistogram.zeroThreshold)
                histogram.uint(7, native.zeroCount)
                let (spans, deltas) = native.spansAndDeltas
                for span in spans {
                    histogram.message(12) { message in
                        message.sint(1, Int64(span.offset))
                        message.uint(2, UInt64(span.length))
                    }
                }
                for delta in deltas { histogram.sint(13, delta) }
            }
        }
    }

    /// Ends the family being written: a `MetricFamily` message, its length before it. A
    /// family without samples is left out.
    private mutating func flushProtobufFamily() {
        guard let family = protobufFamily else { return }
        protobufFamily = nil
        var header = ProtobufEncoding()
        header.string(1, family.name)
        header.string(2, Array(family.help.utf8))
        header.uint(3, family.type)
        if parts != nil {
            // Merged later: the header fields and the metrics apart (a message's fields may
            // be concatenated).
            parts!.append(ExpositionPart(name: family.name, header: header.bytes, body: family.metrics.bytes))
            return
        }
        guard !family.metrics.bytes.isEmpty else { return }
        ExpositionPart.appendDelimited(header.bytes, [family.metrics.bytes], to: &buffer)
    }

    /// `Metric.label` pairs from rendered label sets, unescaped.
    private static func labelPairs(
        _ base: LabelSet, _ labels: LabelSet, _ extra: LabelSet?, into metric: inout ProtobufEncoding
    ) {
        for set in [base, labels, extra ?? .empty] where !set.bytes.isEmpty {
            set.forEachPair { name, value in
                metric.message(1) { pair in
                    pair.string(1, name)
                    pair.string(2, value)
                }
            }
        }
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
