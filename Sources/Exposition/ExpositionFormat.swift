/// The formats a scraper can ask for.
public enum ExpositionFormat: Sendable, Hashable {
    /// Prometheus text format 0.0.4.
    case prometheusText
    /// OpenMetrics 1.0.0 text.
    case openMetrics
    /// Delimited `io.prometheus.client.MetricFamily` messages: what Prometheus asks for when
    /// it scrapes native histograms.
    case protobuf

    /// The Content-Type header for an answer in this format.
    public var contentType: String {
        switch self {
        case .prometheusText: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        case .protobuf:
            return "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
        }
    }

    /// The protocol-buffer format when the Accept header lists it (`proto=io.prometheus.client.MetricFamily;
    /// encoding=delimited`) at a quality not below the others'; else OpenMetrics when it lists
    /// `application/openmetrics-text` (with no version or version 1.0.0) at a quality not below
    /// text/plain's; otherwise text 0.0.4.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheusText }
        var openMetricsQuality = -1.0
        var textQuality = -1.0
        var protobufQuality = -1.0
        for part in accept.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharactersInSet() }
            guard let mediaType = fields.first?.lowercased() else { continue }
            var quality = 1.0
            var version: String?
            var proto: String?
            var encoding: String?
            for parameter in fields.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0) }
                guard pair.count == 2 else { continue }
                switch pair[0].lowercased() {
                case "q": quality = Double(pair[1]) ?? 0
                case "version": version = pair[1]
                case "proto": proto = pair[1]
                case "encoding": encoding = pair[1]
                default: break
                }
            }
            if mediaType == "application/vnd.google.protobuf", proto == "io.prometheus.client.MetricFamily",
                encoding == "delimited"
            {
                protobufQuality = max(protobufQuality, quality)
            } else if mediaType == "application/openmetrics-text", version == nil || version == "1.0.0" {
                openMetricsQuality = max(openMetricsQuality, quality)
            } else if mediaType == "text/plain" || mediaType == "*/*" {
                textQuality = max(textQuality, quality)
            }
        }
        if protobufQuality > 0, protobufQuality >= openMetricsQuality, protobufQuality >= textQuality { return .protobuf }
        return openMetricsQuality > 0 && openMetricsQuality >= textQuality ? .openMetrics : .prometheusText
    }
}

extension Substring {
    fileprivate func trimmingCharactersInSet() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
