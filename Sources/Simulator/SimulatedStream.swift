/// The `stream` task of a change-data-capture run, as tests steer it through
/// `POST /_sim/streams/{flowId}`: progressing (records grow at `ratePerSecond`), stalled
/// (records stay), or down (the run is up, no stream task answers). A reset starts the
/// task's counter again from zero, as a restarted task does.
struct SimulatedStream: Sendable {
    enum Mode: String, Sendable {
        case progressing, stalled, down
    }

    var mode = Mode.progressing
    /// Records processed at `since`, and when the mode or counter last changed (epoch ms).
    var base: Int64 = 0
    var since: Int64
    /// When the task (re)started, epoch ms.
    var taskStarted: Int64
    var ratePerSecond: Int64 = 40
    /// The latency the task reports, in the API's unit (ms).
    var latency: Double = 1500

    init(started: Int64) {
        since = started
        taskStarted = started
    }

    func records(at now: Int64) -> Int64 {
        guard mode == .progressing, now > since else { return base }
        return base + (now - since) * ratePerSecond / 1000
    }

    /// Switches mode at `now`, keeping the records processed so far.
    mutating func set(_ mode: Mode, at now: Int64) {
        base = records(at: now)
        since = now
        self.mode = mode
    }

    /// The task restarted at `now`: its counter starts again from zero.
    mutating func reset(at now: Int64) {
        base = 0
        since = now
        taskStarted = now
    }

    /// The answer of the running-tasks API: one stream task, or none while down.
    func tasks(flowName: String, auditId: Int64, at now: Int64) -> [[String: Any]] {
        guard mode != .down else { return [] }
        return [
            [
                "requestId": "stream-\(auditId)", "owner": "jane.doe@example.com", "name": "CDC \(flowName)",
                "started": taskStarted, "duration": now - taskStarted, "code": "MySQL binlog -> Snowflake",
                "type": "stream", "tenant": "default", "language": "java",
                "latency": latency, "maxLatency": latency * 2, "minLatency": latency / 2, "avgLatency": latency,
                "recordsProcessed": records(at: now)
            ]
        ]
    }
}
