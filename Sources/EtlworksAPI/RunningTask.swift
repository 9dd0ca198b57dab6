import Foundation

/// A task of a running run (`GET /etl/rest/v1/tasks/{auditId}/?type=…`, the help centre's
/// "Currently Running Tasks API"). Only the fields the exporter reads; the units of latency
/// are not documented, so they are left as the API gives them.
public struct RunningTask: Sendable, Equatable {
    /// `stream` (a change-data-capture stream), `extract`, `load`, `task`, `hwm`; lower case.
    public var type: String?
    public var name: String?
    /// When the task started, epoch ms.
    public var started: Int64?
    /// The current latency, in the API's unit (`etlworks.stream_latency_unit`).
    public var latency: Double?
    /// Records the task has processed since it started; resets when the task restarts.
    public var recordsProcessed: Int64?

    public init(
        type: String?, name: String? = nil, started: Int64? = nil, latency: Double? = nil,
        recordsProcessed: Int64? = nil
    ) {
        self.type = type
        self.name = name
        self.started = started
        self.latency = latency
        self.recordsProcessed = recordsProcessed
    }

    /// A change-data-capture stream; a task without a type counts as one only in an answer
    /// asked for streams.
    public var isStream: Bool { type == "stream" }

    /// Decodes one task; nil when the element is not an object.
    public init?(json: JSONValue) {
        guard json.isObject else { return nil }
        let records = json["recordsProcessed"]?.int64 ?? json["records"]?.int64
        self.init(
            type: json["type"]?.string?.trimmingCharacters(in: .whitespaces).lowercased(),
            name: json["name"]?.string,
            started: Timestamp.epochMilliseconds(json["started"]),
            latency: (json["latency"]?.double ?? json["avgLatency"]?.double).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil },
            recordsProcessed: records.map { max(0, $0) })
    }

    /// Decodes the answer, keeping the tasks of `type` (a task that names no type is kept: the
    /// first path was asked for that type alone).
    public static func decode(_ data: Data, type: String) throws -> DecodedPage<RunningTask> {
        var page = try DecodedPage.decode(data, expected: "a list of running tasks", RunningTask.init(json:))
        page.items = page.items.filter { $0.type == nil || $0.type == type }
        for index in page.items.indices { page.items[index].type = type }
        return page
    }
}
