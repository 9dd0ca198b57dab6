import Foundation

/// One execution of a flow (the API's `FlowAuditRecord`), reduced to what the exporter keeps.
public struct FlowRun: Sendable, Equatable {
    /// The most records one run may claim (2^53, where doubles stop being exact); a larger
    /// count from the API is cut to it, so that totals cannot overflow.
    public static let maxRecords: Int64 = 1 << 53

    /// The run's unique id.
    public var auditId: Int64
    /// The flow it belongs to.
    public var flowId: Int64
    /// The flow's name as the run record carries it (used until the flow list is known).
    public var flowName: String?
    /// Current status.
    public var status: RunStatus
    /// Set when this run is an automatic retry of another.
    public var parentAuditId: Int64?
    /// When it was queued, epoch ms.
    public var created: Int64?
    /// When it started, epoch ms; nil while queued.
    public var started: Int64?
    /// When it ended, epoch ms; nil while queued or running.
    public var ended: Int64?
    /// Records processed.
    public var records: Int64?
    /// Who started it: `scheduler` for scheduled runs, a login name for manual ones.
    public var user: String?
    /// The schedule that fired it (`eventId`); nil when it was not scheduled, or the
    /// instance does not say.
    public var eventId: Int64?

    public init(
        auditId: Int64, flowId: Int64, flowName: String? = nil, status: RunStatus,
        parentAuditId: Int64? = nil, created: Int64? = nil, started: Int64? = nil,
        ended: Int64? = nil, records: Int64? = nil, user: String? = nil, eventId: Int64? = nil
    ) {
        self.auditId = auditId
        self.flowId = flowId
        self.flowName = flowName
        self.status = status
        self.parentAuditId = parentAuditId
        self.created = created
        self.started = started
        self.ended = ended
        self.records = records
        self.user = user
        self.eventId = eventId
    }

    /// An automatic retry of another run: it names a parent (the run it retries).
    public var isRetry: Bool { parentAuditId.map { $0 > 0 && $0 != auditId } ?? false }

    /// Started by a person (or the API), not by the scheduler. Unknown when `user` is absent.
    public var isManual: Bool {
        guard let user, !user.isEmpty else { return false }
        return user.lowercased() != "scheduler"
    }

    /// Whether the run has finished: a terminal status, or an unknown status with an end time.
    public var isCompleted: Bool {
        switch status {
        case .queued, .running: return false
        case .unknown: return ended != nil
        default: return true
        }
    }

    /// Run time in milliseconds, when both ends are known and ordered.
    public var durationMilliseconds: Int64? {
        guard let started, let ended, ended >= started else { return nil }
        return ended - started
    }

    /// The time the run is filed under: start, else queue time, else end.
    public var referenceTime: Int64? { started ?? created ?? ended }

    /// Decodes one audit record; nil when `auditId` or the flow id is missing.
    /// `defaultFlowId` and `defaultFlowName` come from an enclosing `FlowExecutions` group.
    public init?(json: JSONValue, defaultFlowId: Int64? = nil, defaultFlowName: String? = nil) {
        guard json.isObject,
            let auditId = json["auditId"]?.int64 ?? json["id"]?.int64,
            let flowId = json["flowId"]?.int64 ?? defaultFlowId
        else { return nil }
        let status = RunStatus(json: json["status"])
        let ended = Timestamp.epochMilliseconds(json["ended"])
        let records = json["records"]?.int64 ?? json["recordsProcessed"]?.int64
        self.init(
            auditId: auditId,
            flowId: flowId,
            flowName: json["flowName"]?.string ?? defaultFlowName,
            status: status,
            parentAuditId: json["parentAuditId"]?.int64,
            created: Timestamp.epochMilliseconds(json["created"]),
            started: Timestamp.epochMilliseconds(json["started"]),
            ended: ended,
            records: records.map { Swift.min(Swift.max(0, $0), Self.maxRecords) },
            user: json["user"]?.string, eventId: json["eventId"]?.int64)
    }

    /// Decodes `GET /v1/executions/{flowId}/history`.
    public static func decodeHistory(_ data: Data, flowId: Int64) throws -> DecodedPage<FlowRun> {
        try DecodedPage.decode(data, expected: "a list of audit records") {
            FlowRun(json: $0, defaultFlowId: flowId)
        }
    }

    /// Decodes `GET /v1/executions/{flowId}?auditId=`.
    public static func decodeRecord(_ data: Data, flowId: Int64) throws -> FlowRun {
        let json = try JSONValue.parse(data)
        guard let run = FlowRun(json: json, defaultFlowId: flowId) else {
            throw APIDecodingError.unexpectedShape(expected: "an audit record with auditId")
        }
        return run
    }

    /// Decodes `GET /v1/metrics/executions`: executions grouped by flow.
    /// Returns the runs and the flow names the groups carry. Runs whose `auditId` is in
    /// `settled` (stored as final: nothing they say can change a count) are passed over
    /// without being decoded, and listed in `passedOver`.
    public static func decodeDailyExecutions(_ data: Data, skipping settled: Set<Int64> = []) throws -> DailyExecutions {
        var result = DailyExecutions()
        let pruning = JSONParser.Pruning(arrayKey: "executions", idKey: "auditId") { settled.contains($0) }
        result.passedOver = try JSONParser.forEachElement(
            of: data, expected: "a list of flow executions", pruning: pruning
        ) { group in
            guard group.isObject, let executions = group["executions"]?.array else {
                result.skipped += 1
                return
            }
            let flowId = group["flowId"]?.int64
            let name = group["name"]?.string ?? group["flowName"]?.string
            if let flowId, let name { result.flowNames[flowId] = name }
            for element in executions {
                if let run = FlowRun(json: element, defaultFlowId: flowId, defaultFlowName: name) {
                    result.runs.append(run)
                } else {
                    result.skipped += 1
                }
            }
        }
        return result
    }
}

/// The decoded answer of `GET /v1/metrics/executions` for one day.
public struct DailyExecutions: Sendable {
    /// Every run listed.
    public var runs: [FlowRun] = []
    /// Flow names by id, from the groups.
    public var flowNames: [Int64: String] = [:]
    /// Groups or records that could not be decoded.
    public var skipped = 0
    /// Runs listed but passed over undecoded, being settled already (see `decodeDailyExecutions`).
    public var passedOver: [Int64] = []

    public init() {}
}
