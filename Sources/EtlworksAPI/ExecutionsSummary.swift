import Foundation

/// Tenant-wide execution statistics for a window (`GET /v1/metrics/executions/summary`;
/// shape assumed). Durations are converted to seconds here, at the edge.
public struct ExecutionsSummary: Sendable, Equatable {
    /// Window bounds, epoch ms, when the answer says.
    public var from: Int64?
    public var to: Int64?
    /// Run counts by status within the window.
    public var runs: [RunStatus: Int64]
    /// Total runs in the window.
    public var count: Int64?
    /// 0...1.
    public var successRatio: Double?
    public var averageDurationSeconds: Double?
    public var maxDurationSeconds: Double?
    public var records: Int64?
    /// The answer's top-level keys when it had none of the expected fields.
    public var unrecognizedKeys: String?

    public init(
        from: Int64? = nil, to: Int64? = nil, runs: [RunStatus: Int64] = [:], count: Int64? = nil,
        successRatio: Double? = nil, averageDurationSeconds: Double? = nil,
        maxDurationSeconds: Double? = nil, records: Int64? = nil
    ) {
        self.from = from
        self.to = to
        self.runs = runs
        self.count = count
        self.successRatio = successRatio
        self.averageDurationSeconds = averageDurationSeconds
        self.maxDurationSeconds = maxDurationSeconds
        self.records = records
    }

    /// Decodes the summary; throws only when the answer is not a JSON object.
    public static func decode(_ data: Data) throws -> ExecutionsSummary {
        let json = try JSONValue.parse(data)
        guard json.isObject else { throw APIDecodingError.unexpectedShape(expected: "a summary object") }
        var runs: [RunStatus: Int64] = [:]
        for status in [RunStatus.success, .warning, .error, .canceled, .running, .queued] {
            if let value = json[status.rawValue]?.int64 { runs[status] = max(0, value) }
        }
        var ratio = json["successRate"]?.double
        // Some answers give a percentage; the contract says 0..1.
        if let value = ratio, value > 1, value <= 100 { ratio = value / 100 }
        if let value = ratio, value < 0 || value > 1 { ratio = nil }
        var summary = ExecutionsSummary(
            from: Timestamp.epochMilliseconds(json["from"]),
            to: Timestamp.epochMilliseconds(json["to"]),
            runs: runs,
            count: json["count"]?.int64,
            successRatio: ratio,
            averageDurationSeconds: json["avgDuration"]?.double.map { max(0, $0) / 1000 },
            maxDurationSeconds: json["maxDuration"]?.double.map { max(0, $0) / 1000 },
            records: json["records"]?.int64)
        summary.unrecognizedKeys = json.unrecognizedKeys(expected: Self.fields)
        return summary
    }

    static let fields = [
        "from", "to", "count", "success", "warning", "error", "canceled", "running", "queued", "successRate", "avgDuration",
        "maxDuration", "records"
    ]
}
