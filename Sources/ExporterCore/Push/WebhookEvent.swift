import EtlworksAPI
import Foundation

/// One call of an Etlworks webhook, from its headers (`X-Etl-Webhook-*`) and JSON body
/// (`eventId`, `eventType`, `entityId`, `entityUrl`). Pure.
public struct WebhookEvent: Sendable, Equatable {
    /// Unique per call; nil when the call carries none (then only the run's audit id dedupes).
    public var eventId: String?
    public var eventType: String
    /// The run a `Flow.Executed` event is about: `entityId` is its audit id, and the flow id
    /// is the `/flows/{id}` of `entityUrl`.
    public var auditId: Int64?
    public var flowId: Int64?

    /// The longest event id kept for dropping repeats (the vendor's are UUIDs): a day of ids
    /// stays small whatever a sender writes.
    public static let maxEventIdLength = 256

    /// The event whose run the exporter looks up; any other is counted and ignored.
    public static let flowExecuted = "Flow.Executed"

    /// Why a call is malformed.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case notAnObject
        case noEventType
        case noRun
        case longEventId

        public var description: String {
            switch self {
            case .notAnObject: "the body is not a JSON object"
            case .noEventType: "no eventType in the body or X-Etl-Webhook-Event"
            case .noRun: "a Flow.Executed event without entityId (the audit id) and a flow id in entityUrl"
            case .longEventId: "an event id of more than \(WebhookEvent.maxEventIdLength) bytes"
            }
        }
    }

    /// `headers` maps lower-case names to values.
    public static func decode(body: Data, headers: [String: String]) throws(Problem) -> WebhookEvent {
        guard let json = try? JSONValue.parse(body), json.isObject else { throw .notAnObject }
        guard let type = (json["eventType"]?.string ?? headers["x-etl-webhook-event"]).map(trimmed), !type.isEmpty
        else { throw .noEventType }
        let eventId = (headers["x-etl-webhook-event-id"] ?? json["eventId"]?.string).map(trimmed).flatMap {
            $0.isEmpty ? nil : $0
        }
        if let eventId, eventId.utf8.count > maxEventIdLength { throw .longEventId }
        let url = json["entityUrl"]?.string ?? headers["x-etl-webhook-entity-url"]
        let auditId =
            json["entityId"]?.int64 ?? headers["x-etl-webhook-entity-id"].flatMap { Int64(trimmed($0)) }
            ?? url.flatMap { query($0, "auditId") }
        var event = WebhookEvent(eventId: eventId, eventType: type, auditId: auditId, flowId: url.flatMap(flowId))
        if type == flowExecuted {
            guard let audit = event.auditId, audit > 0, let flow = event.flowId, flow > 0 else { throw .noRun }
            (event.auditId, event.flowId) = (audit, flow)
        }
        return event
    }

    /// The id after `/flows/` in a URL's path (`https://host/rest/v1/flows/12?auditId=3`).
    static func flowId(_ url: String) -> Int64? {
        let path = url.split(separator: "?", maxSplits: 1).first ?? ""
        let segments = path.split(separator: "/")
        guard let index = segments.lastIndex(of: "flows"), index + 1 < segments.count else { return nil }
        return Int64(segments[index + 1])
    }

    static func query(_ url: String, _ name: String) -> Int64? {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return Int64(parts[1]) }
        }
        return nil
    }

    private static func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespaces) }

    /// The `event` label: the documented event, or `other` (the sender's text never becomes
    /// a label value, so a hostile sender cannot grow the series without bound).
    public var label: String { eventType == Self.flowExecuted ? eventType : "other" }
}
