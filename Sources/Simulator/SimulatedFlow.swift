/// One simulated flow and the runs it produces: a deterministic function of the seed and
/// time, so that any instant of the tenant can be recomputed (and checked) exactly.
struct SimulatedFlow: Sendable {
    let index: Int
    let id: Int64
    var name: String
    let flowType: String
    let tags: [String]
    /// Time between scheduled runs, ms.
    private(set) var period: Int64
    /// Offset of the first run from `firstRunFloor`, ms.
    private(set) var phase: Int64
    /// No run is queued before this instant, ms.
    let firstRunFloor: Int64
    /// Share of runs that end in error.
    let errorRate: Double
    var deleted = false
    let seed: UInt64
    /// With the `stop-transition` quirk: how long a stopped run shows `canceled`, ms.
    var stopTransition: Int64?
    /// A streaming (CDC) flow: a stopped run ends as `success` with its records.
    var isStreaming: Bool { index % 6 == 5 || isChangeDataCapture }
    /// A change-data-capture flow (`SimulatorOptions.streamFlows`): one run, started
    /// `firstRunFloor`, that runs until the end of the simulation, with a `stream` task.
    private(set) var isChangeDataCapture = false
    /// Runs queued at or after this (epoch ms) end in error (`POST /_sim/flows/ID/fail`).
    var failingSince: Int64?

    /// Ids are sparse and not the index, so that code confusing the two is caught.
    static func id(forIndex index: Int) -> Int64 { Int64(1000 + index * 7) }

    static let auditStride: Int64 = 100_000

    init(index: Int, seed: UInt64, runEvery: Int64, firstRunFloor: Int64, hostile: Bool) {
        self.index = index
        self.seed = seed
        id = Self.id(forIndex: index)
        var random = SplitMix64(seed: SplitMix64.hash(seed, UInt64(index)))
        let types = ["connection.db.postgres", "connection.http.rest", "connection.file.s3", "etl.composer"]
        flowType = types[Int(random.next() % UInt64(types.count))]
        var tags: [String] = []
        if index % 3 == 0 { tags.append("nightly") }
        if index % 5 == 0 { tags.append("critical") }
        if index % 4 == 1 { tags.append("orders") }
        self.tags = tags
        if hostile {
            name =
                HostileNames.templates[(index / 3) % HostileNames.templates.count]
                + (index < 3 * HostileNames.templates.count ? "" : " #\(index)")
        } else {
            let prefixes = ["orders", "customers", "inventory", "billing", "events", "crm-sync", "warehouse"]
            name = "\(prefixes[index % prefixes.count]) load \(index)"
        }
        period = runEvery * Int64(1 + random.next() % 4)
        phase = Int64(random.next() % UInt64(max(1, period)))
        self.firstRunFloor = firstRunFloor
        errorRate = index % 11 == 4 ? 0.35 : 0.04
    }

    /// A change-data-capture flow whose run started at `started`; unscheduled, so that only its
    /// stream task tells what it is.
    static func changeDataCapture(index: Int, seed: UInt64, started: Int64) -> SimulatedFlow {
        var flow = SimulatedFlow(index: index, seed: seed, runEvery: 1000, firstRunFloor: started, hostile: false)
        flow.name = "cdc stream \(index)"
        flow.isChangeDataCapture = true
        flow.period = 365 * 86_400_000
        flow.phase = 0
        return flow
    }

    /// The run `sequence` as it looks at `now`, or nil when it has not been queued yet.
    func run(_ sequence: Int64, at now: Int64) -> SimulatedRun? {
        guard sequence >= 0 else { return nil }
        let created = firstRunFloor + phase + sequence * period
        guard created <= now else { return nil }
        if isChangeDataCapture {
            return SimulatedRun(
                auditId: sequence * Self.auditStride + Int64(index) + 1, flowId: id, flowName: name, status: "running",
                created: created, started: created, ended: nil, records: nil, user: "jane.doe@example.com",
                parentAuditId: nil, retries: nil, eventId: nil)
        }
        let s = UInt64(bitPattern: sequence)
        let i = UInt64(index)
        let queueDelay = Int64(Double(period) * 0.05 * SplitMix64.unit(seed, i, s, 1))
        let long = SplitMix64.unit(seed, i, s, 2) < 0.02
        let fraction = long ? 2.5 : 0.1 + 0.5 * SplitMix64.unit(seed, i, s, 3)
        let duration = max(1, Int64(Double(period) * fraction))
        let started = created + queueDelay
        var ended = started + duration
        let outcome = SplitMix64.unit(seed, i, s, 4)
        // Runs stopped by someone: 1 in 100, or 1 in 10 where stopping is what is tested.
        let stopped = stopTransition == nil ? 0.01 : 0.10
        var final: String
        if let failingSince, created >= failingSince {
            final = "error"
        } else if outcome < errorRate {
            final = "error"
        } else if outcome < errorRate + 0.05 {
            final = "warning"
        } else if outcome < errorRate + 0.05 + stopped {
            final = "canceled"
        } else {
            final = "success"
        }
        let scale = SplitMix64.unit(seed, i, s, 5)
        var records = Int64(100 + scale * 99_900)
        if final == "error" || (final == "canceled" && !isStreaming) { records /= 10 }
        let auditId = sequence * Self.auditStride + Int64(index) + 1
        // One run in 20 started by hand, one in 30 an automatic retry of the run before it.
        let user = SplitMix64.unit(seed, i, s, 6) < 0.05 ? "jane.doe@example.com" : "scheduler"
        let parent = sequence > 0 && SplitMix64.unit(seed, i, s, 7) < 1.0 / 30 ? auditId - Self.auditStride : nil
        if final == "canceled", let stopTransition, now >= ended {
            // Stopping: `canceled` at once, final a while later.
            guard now >= ended + stopTransition else {
                return SimulatedRun(
                    auditId: auditId, flowId: id, flowName: name, status: "canceled", created: created,
                    started: started, ended: ended, records: nil, user: user, parentAuditId: parent,
                    retries: parent == nil ? nil : 1, eventId: user == "scheduler" ? scheduleId : nil)
            }
            final = isStreaming ? "success" : "error"
            ended += stopTransition
        }
        var run = SimulatedRun(
            auditId: auditId, flowId: id, flowName: name, status: final, created: created,
            started: started, ended: ended, records: records, user: user,
            parentAuditId: parent, retries: parent == nil ? nil : 1, eventId: user == "scheduler" ? scheduleId : nil)
        if now < started {
            run.status = "queued"
            (run.started, run.ended, run.records) = (nil, nil, nil)
        } else if now < ended {
            run.status = "running"
            (run.ended, run.records) = (nil, nil)
        }
        return run
    }

    /// The id of the flow's schedule in `/v1/schedules`.
    var scheduleId: Int64 { 9000 + Int64(index) }

    /// Sequences of runs queued in [from, to) and no later than `now`.
    func sequences(queuedFrom from: Int64, to: Int64, now: Int64) -> ClosedRange<Int64>? {
        let upper = min(to - 1, now)
        let base = firstRunFloor + phase
        guard upper >= base, upper >= from else { return nil }
        let first = max(0, ceilDiv(from - base, period))
        let last = floorDiv(upper - base, period)
        return first <= last ? first...last : nil
    }

    /// The sequence number encoded in an audit id of this flow, if it is one.
    func sequence(ofAuditId auditId: Int64) -> Int64? {
        let zeroBased = auditId - 1 - Int64(index)
        guard zeroBased >= 0, zeroBased % Self.auditStride == 0 else { return nil }
        return zeroBased / Self.auditStride
    }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    private func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }
}

/// A run as the simulator serves it.
struct SimulatedRun: Sendable, Encodable {
    let auditId: Int64
    let flowId: Int64
    let flowName: String
    var status: String
    let created: Int64
    var started: Int64?
    var ended: Int64?
    var records: Int64?
    var user: String
    var parentAuditId: Int64?
    var retries: Int?
    /// The schedule that fired it; nil for a run started by hand.
    var eventId: Int64?

    var isCompleted: Bool { ended != nil }
}
