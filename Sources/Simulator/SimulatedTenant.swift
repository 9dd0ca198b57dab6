import Foundation

/// The simulated tenant's data at any instant: flows, their runs, agents, billing. Pure:
/// every answer is computed from the options, the flow list and the time asked about.
struct SimulatedTenant: Sendable {
    let options: SimulatorOptions
    /// When the simulator started, epoch ms.
    let origin: Int64
    private(set) var flows: [SimulatedFlow]
    var agentOverrides: [Int: Bool] = [:]
    /// The stream task of each change-data-capture flow, by flow id.
    var streams: [Int64: SimulatedStream] = [:]

    init(options: SimulatorOptions, origin: Int64) {
        self.options = options
        self.origin = origin
        let floor = origin - Int64(options.history * 1000)
        let runEvery = max(1, Int64(options.runEvery * 1000))
        flows = (0..<options.flows).map { index in
            var flow = SimulatedFlow(
                index: index, seed: options.seed, runEvery: runEvery, firstRunFloor: floor,
                hostile: options.hostileNames && index % 3 == 2)
            flow.stopTransition = options.stopTransitionMilliseconds
            return flow
        }
        let streamStart = origin - Int64(options.streamAge * 1000)
        for index in options.flows..<(options.flows + options.streamFlows) {
            let flow = SimulatedFlow.changeDataCapture(index: index, seed: options.seed, started: streamStart)
            flows.append(flow)
            streams[flow.id] = SimulatedStream(started: streamStart)
        }
    }

    /// The flow and run of an audit id, when it is one of a live flow's runs.
    func run(auditId: Int64, now: Int64) -> (SimulatedFlow, SimulatedRun)? {
        guard auditId > 0 else { return nil }
        let index = Int((auditId - 1) % SimulatedFlow.auditStride)
        guard index < flows.count, !flows[index].deleted, let sequence = flows[index].sequence(ofAuditId: auditId),
            let run = flows[index].run(sequence, at: now)
        else { return nil }
        return (flows[index], run)
    }

    /// The running tasks of `type` of a run: a change-data-capture run's stream task, or for
    /// any other running run one `extract` task (so a client must filter by type).
    func runningTasks(auditId: Int64, type: String?, now: Int64) -> [[String: Any]]? {
        guard let (flow, run) = run(auditId: auditId, now: now) else { return nil }
        guard run.status == "running" else { return [] }
        var tasks: [[String: Any]] = []
        if let stream = streams[flow.id] {
            tasks = stream.tasks(flowName: flow.name, auditId: auditId, at: now)
        } else {
            tasks = [
                [
                    "requestId": "extract-\(auditId)", "name": "extract \(flow.name)", "type": "extract",
                    "started": run.started ?? now, "duration": now - (run.started ?? now), "recordsProcessed": 10
                ]
            ]
        }
        return tasks.filter { type == nil || $0["type"] as? String == type }
    }

    var liveFlows: [SimulatedFlow] { flows.filter { !$0.deleted } }

    func flow(id: Int64) -> SimulatedFlow? { flows.first { $0.id == id && !$0.deleted } }

    // MARK: Changes driven by tests

    mutating func rename(flowId: Int64, to name: String) -> Bool {
        guard let index = flows.firstIndex(where: { $0.id == flowId && !$0.deleted }) else { return false }
        flows[index].name = name
        return true
    }

    /// Makes every run of the flow queued from `since` on fail (nil: as before).
    mutating func fail(flowId: Int64, since: Int64?) -> Bool {
        guard let index = flows.firstIndex(where: { $0.id == flowId && !$0.deleted }) else { return false }
        flows[index].failingSince = since
        return true
    }

    mutating func delete(flowId: Int64) -> Bool {
        guard let index = flows.firstIndex(where: { $0.id == flowId && !$0.deleted }) else { return false }
        flows[index].deleted = true
        return true
    }

    /// Adds a flow whose first run is queued after `now`.
    mutating func addFlow(name: String?, now: Int64) -> SimulatedFlow {
        var flow = SimulatedFlow(
            index: flows.count, seed: options.seed, runEvery: max(1, Int64(options.runEvery * 1000)),
            firstRunFloor: now, hostile: false)
        if let name { flow.name = name }
        flow.stopTransition = options.stopTransitionMilliseconds
        flows.append(flow)
        return flow
    }

    // MARK: Runs

    /// Every run queued on the UTC day starting at `dayStart`, grouped by flow.
    func executions(dayStart: Int64, now: Int64) -> [(SimulatedFlow, [SimulatedRun])] {
        liveFlows.map { flow in
            guard let range = flow.sequences(queuedFrom: dayStart, to: dayStart + 86_400_000, now: now) else { return (flow, []) }
            return (flow, range.compactMap { flow.run($0, at: now) })
        }
    }

    /// A flow's runs queued at or after `since`, newest first.
    func history(flow: SimulatedFlow, since: Int64?, now: Int64) -> [SimulatedRun] {
        guard let range = flow.sequences(queuedFrom: since ?? Int64.min / 2, to: now + 1, now: now) else { return [] }
        return range.reversed().compactMap { flow.run($0, at: now) }
    }

    /// Runs of all live flows queued in [from, to).
    func runs(queuedFrom from: Int64, to: Int64, now: Int64, flows subset: [SimulatedFlow]? = nil) -> [SimulatedRun] {
        var result: [SimulatedRun] = []
        for flow in subset ?? liveFlows {
            guard let range = flow.sequences(queuedFrom: from, to: to, now: now) else { continue }
            for sequence in range { if let run = flow.run(sequence, at: now) { result.append(run) } }
        }
        return result
    }

    // MARK: Agents and billing

    struct AgentState: Encodable {
        let id: Int64
        let name: String
        let status: String
        /// What the agent is doing in the help centre's words (online, offline, stopped,
        /// suspended); `status` says only online or offline.
        let state: String
        let updaterStatus: String
        let version: String
        let os: String
        let ip: String
        let lastSeen: Int64?
    }

    /// An agent as instances with string ids report it: `agt-<id>`, the state word in any case.
    struct ReportedAgent: Encodable {
        let id: String
        let name: String
        let status: String
        let updaterStatus: String
        let version: String
        let lastSeen: Int64?
    }

    func agents(now: Int64) -> [AgentState] {
        (0..<options.agents).map { index in
            // Each agent is offline one tenth of a cycle of 10–40 minutes.
            let cycle = Int64(600_000 * (1 + index % 4))
            let naturallyOnline = (now / (cycle / 10)) % 10 != 3 || index == 0
            let online = agentOverrides[index] ?? naturallyOnline
            let name = index == 1 ? #"agent "eu-1" \ {west}"# : "agent-\(index)"
            // Agents 3, 4, ... are stopped or suspended when offline.
            let state = online ? "online" : index >= 3 ? (index % 2 == 0 ? "stopped" : "suspended") : "offline"
            return AgentState(
                id: Int64(500 + index), name: name, status: online ? "online" : "offline", state: state,
                updaterStatus: index % 2 == 0 ? "running" : "stopped", version: "5.\(index).1",
                os: index % 2 == 0 ? "Linux" : "Windows Server 2022", ip: "10.0.0.\(index + 10)",
                lastSeen: online ? now - 5_000 : now - 900_000)
        }
    }

    /// Subscription with usage summed from completed runs in the current UTC month and day.
    func subscription(now: Int64) -> [String: Any] {
        let calendar = Self.utcCalendar
        let date = Date(timeIntervalSince1970: Double(now) / 1000)
        let monthStart = calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
        let monthEnd = calendar.date(byAdding: .month, value: 1, to: monthStart) ?? date
        let dayStart = calendar.startOfDay(for: date)
        let monthStartMs = Int64(monthStart.timeIntervalSince1970 * 1000)
        let dayStartMs = Int64(dayStart.timeIntervalSince1970 * 1000)
        var month: Int64 = 0
        var today: Int64 = 0
        for run in runs(queuedFrom: monthStartMs, to: now + 1, now: now) where run.isCompleted {
            month += run.records ?? 0
            if run.created >= dayStartMs { today += run.records ?? 0 }
        }
        return [
            "tier": "Business", "status": "active",
            "seats": ["total": 10, "used": 7],
            "period": ["start": monthStartMs, "end": Int64(monthEnd.timeIntervalSince1970 * 1000)],
            "allowance": ["monthlyRecords": 500_000_000, "dailyRecords": 25_000_000],
            "usage": ["monthRecords": month, "todayRecords": today]
        ]
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

extension SimulatedTenant.AgentState {
    var asReported: SimulatedTenant.ReportedAgent {
        let word = id % 2 == 0 ? state.uppercased() : state.capitalized
        return .init(
            id: "agt-\(id)", name: name, status: word, updaterStatus: updaterStatus, version: version, lastSeen: lastSeen)
    }
}
