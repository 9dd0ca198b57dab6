/// One family of a document written in parts: its header (text: the `# HELP`/`# TYPE` lines;
/// protocol buffers: the `MetricFamily` name, help and type fields) and its samples. Parts of
/// several documents — one per tenant, each with its `tenant_id` — merge into one document in
/// which every family appears once, as the formats require.
public struct ExpositionPart: Sendable {
    public var name: [UInt8]
    public var header: [UInt8]
    public var body: [UInt8]

    /// One document from several documents' parts: each family in the order it first
    /// appears, its header from there, its samples from every document in turn.
    /// `endOfDocument`: end with OpenMetrics' `# EOF`.
    public static func merge(_ documents: [[ExpositionPart]], format: ExpositionFormat, endOfDocument: Bool = true)
        -> [UInt8]
    {
        var order: [[UInt8]] = []
        var families: [[UInt8]: (header: [UInt8], bodies: [[UInt8]])] = [:]
        for parts in documents {
            for part in parts {
                if families[part.name] == nil {
                    order.append(part.name)
                    families[part.name] = (part.header, [])
                }
                if !part.body.isEmpty { families[part.name]!.bodies.append(part.body) }
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(documents.reduce(0) { $0 + $1.reduce(0) { $0 + $1.header.count + $1.body.count } })
        for name in order {
            let family = families[name]!
            if format == .protobuf {
                // A family without samples is left out, as the writer does.
                if !family.bodies.isEmpty { appendDelimited(family.header, family.bodies, to: &output) }
                continue
            }
            output.append(contentsOf: family.header)
            for body in family.bodies { output.append(contentsOf: body) }
        }
        if format == .openMetrics, endOfDocument { output.append(contentsOf: "# EOF\n".utf8) }
        return output
    }

    /// A `MetricFamily` message of `header` fields and `bodies` of metrics, its length first.
    static func appendDelimited(_ header: [UInt8], _ bodies: [[UInt8]], to output: inout [UInt8]) {
        var length = ProtobufEncoding()
        length.varint(UInt64(header.count + bodies.reduce(0) { $0 + $1.count }))
        output.append(contentsOf: length.bytes)
        output.append(contentsOf: header)
        for body in bodies { output.append(contentsOf: body) }
    }
}
