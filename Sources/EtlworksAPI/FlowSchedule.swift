import Foundation

/// A flow schedule (`GET /v1/schedules`).
public struct FlowSchedule: Sendable, Equatable {
    public var id: Int64
    public var flowId: Int64
    public var name: String?
    public var enabled: Bool
    /// A cron expression or a number of seconds.
    public var schedule: String?
    /// How long a run is expected to take, in seconds (the API gives minutes).
    public var expectedSeconds: Double?
    /// False when a run that finds nothing to do may leave no audit record (`keepEmptyAudit`).
    public var keepEmptyAudit: Bool?

    public init(
        id: Int64, flowId: Int64, name: String? = nil, enabled: Bool = true,
        schedule: String? = nil, expectedSeconds: Double? = nil
    ) {
        self.id = id
        self.flowId = flowId
        self.name = name
        self.enabled = enabled
        self.schedule = schedule
        self.expectedSeconds = expectedSeconds
    }

    /// Decodes one schedule; nil when `id` or `flowId` is missing.
    public init?(json: JSONValue) {
        guard json.isObject, let id = json["id"]?.int64, let flowId = json["flowId"]?.int64 else { return nil }
        self.init(
            id: id, flowId: flowId, name: json["name"]?.string, enabled: json["enabled"]?.bool ?? true,
            schedule: json["schedule"]?.string, expectedSeconds: json["expectedTime"]?.double.map { $0 * 60 })
        keepEmptyAudit = json["keepEmptyAudit"]?.bool
    }

    /// Decodes a page of `GET /v1/schedules`.
    public static func decodePage(_ data: Data) throws -> DecodedPage<FlowSchedule> {
        try DecodedPage.decode(data, expected: "a list of schedules", FlowSchedule.init(json:))
    }
}
