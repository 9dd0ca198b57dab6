import EtlworksAPI
import Foundation
import Store

/// The JSON bodies of `GET /api/v1/series`. Written by hand: points are numerous and every
/// number must stay exact (counts as integers, values in Swift's shortest round-trip form).
public enum SeriesQueryResponse {
    public static func success(_ request: SeriesQueryRequest, results: [SeriesResult]) -> Data {
        var json = "{\"status\":\"success\",\"data\":{\"tier\":\"\(request.tier.rawValue)\",\"step\":\(request.step)"
        json += ",\"from\":\(request.from),\"to\":\(request.to),\"series\":["
        for (index, result) in results.enumerated() {
            if index > 0 { json += "," }
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
            for (pointIndex, point) in result.points.enumerated() {
                if pointIndex > 0 { json += "," }
                let values = point.values
                json += "{\"t\":\(point.timestamp),\"count\":\(values.count),\"sum\":\(number(values.sum))"
                json += ",\"min\":\(number(values.min)),\"max\":\(number(values.max)),\"avg\":\(number(values.average))"
                json += ",\"last\":\(number(values.last))"
                if let increase = values.increase { json += ",\"increase\":\(number(increase))" }
                json += "}"
            }
            json += "]}"
        }
        json += "]}}"
        return Data(json.utf8)
    }

    /// Integral values print without a fraction; others in the shortest exact form. Stored
    /// values are always finite.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
