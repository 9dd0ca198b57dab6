import EtlworksAPI
import Foundation
import Store

/// The JSON body of a successful `GET /api/v1/series`, as a sequence of pieces of about
/// `chunkBytes` each, made one at a time: the text of a large answer (a million points is
/// over 100 MB) is never held whole. Written by hand: points are numerous and every number
/// must stay exact (counts as integers, values in Swift's shortest round-trip form).
public struct SeriesQueryResponse: Sequence {
    let request: SeriesQueryRequest
    let results: [SeriesResult]
    let chunkBytes: Int

    public init(_ request: SeriesQueryRequest, results: [SeriesResult], chunkBytes: Int = 64 << 10) {
        self.request = request
        self.results = results
        self.chunkBytes = chunkBytes
    }

    /// The whole body at once (small answers, tests).
    public var data: Data { reduce(into: Data()) { $0.append(contentsOf: $1.utf8) } }

    public func makeIterator() -> Iterator { Iterator(response: self) }

    public struct Iterator: IteratorProtocol {
        let response: SeriesQueryResponse
        /// The next series and point to write; nil once the closing brackets are out.
        var series = 0
        var point = 0
        var started = false
        var finished = false

        public mutating func next() -> String? {
            guard !finished else { return nil }
            var json = ""
            json.reserveCapacity(response.chunkBytes + 4096)
            let request = response.request
            if !started {
                started = true
                json += "{\"status\":\"success\",\"data\":{\"tier\":\"\(request.tier.rawValue)\",\"step\":\(request.step)"
                json += ",\"from\":\(request.from),\"to\":\(request.to),\"series\":["
            }
            let results = response.results
            while series < results.count {
                let result = results[series]
                if point == 0 {
                    if series > 0 { json += "," }
                    json += "{\"name\":"
                    JSONString.append(result.series.name, to: &json)
                    json += ",\"kind\":\"\(result.series.kind == .counter ? "counter" : "gauge")\",\"labels\":{"
                    for (labelIndex, label) in result.series.labels.enumerated() {
                        if labelIndex > 0 { json += "," }
                        JSONString.append(label.name, to: &json)
                        json += ":"
                        JSONString.append(label.value, to: &json)
                    }
                    json += "},\"points\":["
                }
                while point < result.points.count {
                    if point > 0 { json += "," }
                    let item = result.points[point]
                    let values = item.values
                    json += "{\"t\":\(item.timestamp),\"count\":\(values.count),\"sum\":\(number(values.sum))"
                    json += ",\"min\":\(number(values.min)),\"max\":\(number(values.max)),\"avg\":\(number(values.average))"
                    json += ",\"last\":\(number(values.last))"
                    if let increase = values.increase { json += ",\"increase\":\(number(increase))" }
                    json += "}"
                    point += 1
                    if json.utf8.count >= response.chunkBytes { return json }
                }
                json += "]}"
                series += 1
                point = 0
            }
            json += "]}}"
            finished = true
            return json
        }
    }

    /// Integral values print without a fraction; others in the shortest exact form. Stored
    /// values are always finite.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
