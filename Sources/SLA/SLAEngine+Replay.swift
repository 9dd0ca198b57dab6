import EtlworksAPI
import ExporterBase
import Foundation
import Logging
import SLAStore
import SlidingWindows
import Store
import Vocabulary

/// Replay (#15): on start, each rule that stored runs decide and that was not replayed with
/// its current definition is replayed over the stored runs from the backfill horizon (at
/// most 30 days) to when this exporter began watching it, so that its breaches, compliance
/// and open episodes reflect that history from the first evaluation. The rules' definitions
/// are recorded with the last of what a replay writes: a restart replays nothing twice.
extension SLAEngine {
    /// What one (rule, flow) replay found, computed off the actor.
    struct ReplayFinding: Sendable {
        /// The rule's position among those replayed.
        var rule: Int
        var target: SLATarget
        var outcome: SLAReplay.Outcome
    }

    /// The definition a replay stands for: a change to it replays the rule again.
    static func fingerprint(_ rule: SLARule, maintenance: [MaintenanceWindow] = []) -> String {
        var target = ""
        switch rule.target {
        case .flows(let selector):
            target =
                "ids=\(selector.ids.sorted()) names=\(selector.names.map(\.description)) tags=\(selector.tags.sorted())"
        case .agents(let patterns):
            target = "agents=\(patterns.map(\.description))"
        case .tenant:
            break
        }
        let definition = "\(target) \(rule.condition) for=\(rule.holdFor) severity=\(rule.severity.rawValue)"
        // Maintenance decides where a flow rule's replayed breaches may start.
        guard !maintenance.isEmpty, case .flows = rule.target else { return definition }
        return definition + " maintenance=\(maintenance)"
    }

    /// Replays what needs it; evaluations wait until it is done. The runs to replay are those
    /// stored after the first executions poll (which backfills), and rules that need
    /// schedules need the first schedules poll: each is waited for up to `wait`, after which
    /// what is stored is replayed as it is.
    public func replay(now: Double? = nil, wait: Duration = .seconds(300)) async {
        guard started, replayPhase == nil else { return }
        let candidates = rules.indices.filter { index in
            switch (rules[index].condition, rules[index].target) {
            case (let condition, .flows): return SLAReplay.replaysRuns(condition)
            case (.agentOffline, .agents), (.billingUsage, .tenant): return history != nil
            default: return false
            }
        }
        await publishReplayPhase(.running)
        do {
            try await replay(candidates, now: now, wait: wait)
        } catch {
            logger.warning("Could not replay SLA rules over stored runs", metadata: ["error": "\(error)"])
        }
        await publishReplayPhase(.done)
    }

    /// Replays those of `candidates` (rule indices) not replayed with their current definition.
    private func replay(_ candidates: [Int], now: Double?, wait: Duration) async throws {
        let fingerprints = try await store.replayFingerprints()
        let todo = candidates.filter {
            fingerprints[rules[$0].name] != Self.fingerprint(rules[$0], maintenance: self.maintenance)
        }
        guard !todo.isEmpty else { return }
        var observations = await host.slaObservations()
        let needsSchedules = todo.contains { rules[$0].needsSchedules }
        let deadline = ContinuousClock.now + wait
        while observations.pollsFreshUntil == nil || (needsSchedules && observations.schedules.isEmpty),
            ContinuousClock.now < deadline
        {
            try? await Task.sleep(for: .milliseconds(500))
            observations = await host.slaObservations()
        }
        let now = now ?? Date().timeIntervalSince1970
        let clockStart = ContinuousClock.now
        let oldest = try await runStore.oldestRunStart().map { EpochMillis.seconds($0) }
        let from = max(now - 30 * 86400, oldest ?? now)
        // Replayed to now, but a rule this database evaluated before replay existed: to when
        // it began to be evaluated (it watched the rest).
        let ends = todo.map {
            fingerprints[rules[$0].name] == nil && !evaluatesFirstTime ? min(now, evaluatingSince) : now
        }
        // A few hundred flows at a time, each written in a transaction of its own, so that
        // memory holds one slice's episodes. The first slice removes what an earlier,
        // interrupted replay of these rules wrote; the last records their definitions.
        let flows = observations.flows.map(\.flow)
        let replayed = todo.map { rules[$0] }
        let slices = stride(from: 0, to: max(1, flows.count), by: Self.replaySlice).map {
            Array(flows[$0..<min(flows.count, $0 + Self.replaySlice)])
        }
        let (step, timeZone, runStore, schedules) = (replayStep, scheduleTimeZone, runStore, observations.schedules)
        let kinds = observations.kinds
        let (maintenance, zone) = (self.maintenance, self.timeZone)
        let quiet = maintenance.map { SLAMaintenance.spans($0, from: from, to: now, in: zone) }
        func judge(_ slice: [FlowRecord]) -> Task<[ReplayFinding], any Error> {
            Task {
                try await Self.replayFlows(
                    rules: replayed, ends: ends, from: from, step: step, flows: slice, schedules: schedules,
                    kinds: kinds, scheduleTimeZone: timeZone, runStore: runStore, maintenance: maintenance, quiet: quiet)
            }
        }
        try await runStore.cacheForReplay(pages: Self.replayCachePages)
        defer { Task { try? await runStore.cacheForReplay(pages: nil) } }
        // Each slice is written while the next is judged (SQLite writes on a thread of its own).
        var judging = judge(slices[0])
        defer { judging.cancel() }
        // Agents and billing, from the history series, go with the first slice.
        var fromHistory = try await replayHistory(todo, ends: ends, from: from)
        var written = 0
        var writing = Duration.zero
        for (position, _) in slices.enumerated() {
            let findings = try await judging.value + fromHistory
            fromHistory = []
            if position + 1 < slices.count { judging = judge(slices[position + 1]) }
            let writeStart = ContinuousClock.now
            written += try await write(
                findings, rules: todo, ends: ends, from: from, now: now, first: position == 0,
                last: position == slices.count - 1)
            writing += ContinuousClock.now - writeStart
        }
        logger.info(
            "Replayed SLA rules over stored runs",
            metadata: [
                "sla.rules": "\(todo.count)", "sla.episodes": "\(written)",
                "sla.from": "\(UTCTime.format(from))",
                "sla.replay_seconds": "\((ContinuousClock.now - clockStart).inSeconds)",
                "sla.replay_write_seconds": "\(writing.inSeconds)"
            ])
    }

    /// Replays every (rule, flow) pair, flows spread over the cores, each flow's runs read once.
    nonisolated static func replayFlows(
        rules: [SLARule], ends: [Double], from: Double, step: Double, flows: [FlowRecord],
        schedules: [Int64: [FlowSchedule]], kinds: [Int64: FlowKind] = [:], scheduleTimeZone: TimeZone,
        runStore: SQLiteRunStore, maintenance: [MaintenanceWindow] = [], quiet: [[SLACompliance.Span]] = []
    ) async throws -> [ReplayFinding] {
        let lookback = max(86400, rules.map(\.condition.runWindow).max() ?? 0)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return try await withThrowingTaskGroup(of: [ReplayFinding].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var found: [ReplayFinding] = []
                    var evaluators = Array(repeating: SLAConditionEvaluator(), count: rules.count)
                    let mine = stride(from: worker, to: flows.count, by: workers).map { flows[$0] }.compactMap {
                        flow -> (FlowRecord, [Int])? in
                        let matching = rules.indices.filter { index in
                            ends[index] > from && rules[index].judges(flow, kind: kinds[flow.id])
                        }
                        return matching.isEmpty ? nil : (flow, matching)
                    }
                    // The next flow's runs are read (on the store's thread) while this one is judged.
                    func read(_ position: Int) -> Task<[RunTimes], any Error>? {
                        guard position < mine.count else { return nil }
                        let id = mine[position].0.id
                        return Task {
                            try await runStore.runTimes(
                                flowId: id, since: EpochMillis.from(seconds: from - lookback, .towardZero))
                        }
                    }
                    var reading = read(0)
                    for (position, (flow, matching)) in mine.enumerated() {
                        try Task.checkCancellation()
                        let runs = SLAReplay.Runs(try await reading!.value)
                        reading = read(position + 1)
                        let covered = maintenance.indices.filter { maintenance[$0].covers(flow, kind: kinds[flow.id]) }
                        let flowQuiet = covered.flatMap { quiet[$0] }
                        for index in matching {
                            let outcome = SLAReplay.replay(
                                rules[index], flow: flow, runs: runs, schedules: schedules[flow.id] ?? [], from: from,
                                to: ends[index], step: step, scheduleTimeZone: scheduleTimeZone, evaluator: &evaluators[index],
                                maintenance: flowQuiet)
                            if !outcome.isEmpty {
                                let target = SLATarget(kind: .flow, id: flow.id, name: flow.name)
                                found.append(ReplayFinding(rule: index, target: target, outcome: outcome))
                            }
                        }
                    }
                    return found
                }
            }
            var all: [ReplayFinding] = []
            for try await batch in group { all += batch }
            return all
        }
    }

    static let replaySlice = 250
    /// Episodes in a replay's first slice from which it drops the index on end time while it writes.
    static let bulkEpisodes = 10_000
    /// 8 MiB: about three flows' months of hourly runs (the neighbours read next share them).
    static let replayCachePages = 2048

    /// Replays the agent and billing rules among `todo` over what the history series hold.
    private func replayHistory(_ todo: [Int], ends: [Double], from: Double) async throws -> [ReplayFinding] {
        guard let history else { return [] }
        let (fromSeconds, toSeconds) = (Int64(from), Int64((ends.max() ?? from).rounded(.up)) + 1)
        var agents: [SLAHistory.Agent]?
        var billing: [(atMs: Int64, subscription: Subscription)]?
        var found: [ReplayFinding] = []
        func add(_ position: Int, _ target: SLATarget, _ measurements: [(atMs: Int64, measurement: SLAMeasurement)]) {
            let outcome = SLAReplay.replay(
                rules[todo[position]], measurements: measurements, toMs: EpochMillis.from(seconds: ends[position]))
            if !outcome.isEmpty { found.append(ReplayFinding(rule: position, target: target, outcome: outcome)) }
        }
        for (position, index) in todo.enumerated() {
            switch (rules[index].condition, rules[index].target) {
            case (.agentOffline(let hold), .agents(let patterns)):
                if agents == nil { agents = try await history.agents(from: fromSeconds, to: toSeconds) }
                for agent in agents ?? [] where patterns.contains(where: { $0.matches(agent.name) }) {
                    let id = Agent.numericId(of: agent.id)
                    add(
                        position, SLATarget(kind: .agent, id: id, name: agent.name, externalId: agent.id),
                        agent.samples.map { ($0.atMs, SLAMeasurement(holds: !$0.online, value: nil, threshold: hold)) })
                }
            case (.billingUsage(let ratio, let period), .tenant):
                if billing == nil { billing = try await history.billing(from: fromSeconds, to: toSeconds) }
                var inputs = SLAInputs(
                    now: from, flows: [], runs: RunWindows(horizon: 0, keepLatest: 0), timeZone: timeZone,
                    evaluatingSince: from)
                add(
                    position, .tenant,
                    (billing ?? []).compactMap { sample in
                        inputs.now = EpochMillis.seconds(sample.atMs)
                        inputs.subscription = sample.subscription
                        return SLAConditionEvaluator.measure(billing: ratio, period: period, inputs: inputs).map {
                            (sample.atMs, $0)
                        }
                    })
            default:
                continue
            }
        }
        return found
    }

    /// Writes one slice's findings and brings the live tables up to date; notifies each breach
    /// still on at the end of the replay once. Returns how many episodes were written.
    private func write(
        _ findings: [ReplayFinding], rules todo: [Int], ends: [Double], from: Double, now: Double, first: Bool, last: Bool
    ) async throws -> Int {
        var replay = SLAStateStore.Replay()
        if first { replay.replacing = todo.map { rules[$0].name } }
        replay.targets.reserveCapacity(findings.count)
        // A target the live evaluation already holds keeps its live state; the replayed
        // breach then ends where the replay did.
        let found = findings.map { finding in
            let rule = rules[todo[finding.rule]]
            return (finding: finding, rule: rule, target: finding.target, live: states[rule.name]?[finding.target] != nil)
        }
        var count = 0
        for (finding, rule, target, live) in found {
            var episodes = finding.outcome.episodes
            if live, let last = episodes.indices.last, episodes[last].endMs == nil {
                episodes[last].endMs = EpochMillis.from(seconds: ends[finding.rule])
            }
            count += episodes.count
            let final = live ? nil : finding.outcome.final
            replay.targets.append(
                SLAStateStore.Replay.Target(
                    rule: rule.name, target: target.key, targetName: target.name, severity: rule.severity.rawValue,
                    episodes: episodes,
                    state: final.map {
                        StoredSLAState(
                            rule: rule.name, target: target.key, phase: $0.phase,
                            sinceMs: EpochMillis.from(seconds: $0.since, .towardZero),
                            episodeId: nil)
                    }))
        }
        // A slice this large is a bulk load: the index on end time is built once at the end.
        replay.dropsEndIndex = first && !last && count >= Self.bulkEpisodes
        if last {
            for index in todo {
                replay.fingerprints[rules[index].name] = Self.fingerprint(rules[index], maintenance: self.maintenance)
            }
            // The replayed time is observed time, where nothing observed it yet.
            let fromMs = EpochMillis.from(seconds: from)
            let endMs = min(EpochMillis.from(seconds: ends.max() ?? from, .towardZero), observed.first?.startMs ?? Int64.max)
            if endMs > fromMs { replay.observed = (fromMs, endMs) }
        }

        let taken = try await store.apply(replay)
        var alerts: [SLAAlert] = []
        for ((finding, rule, target, live), episodeId) in zip(found, taken) {
            guard !live, var state = finding.outcome.final else { continue }
            guard state.phase == .breaching else {
                states[rule.name, default: [:]][target] = state
                continue
            }
            guard let episodeId, let open = finding.outcome.episodes.last else { continue }
            state.episodeId = episodeId
            state.breachStart = EpochMillis.seconds(open.startMs)
            states[rule.name, default: [:]][target] = state
            alerts.append(
                SLAAlert(
                    rule: rule.name, severity: rule.severity, condition: rule.condition.key, target: target,
                    value: open.peak, threshold: open.threshold, detail: "found by replaying stored runs",
                    startsAt: EpochMillis.seconds(open.startMs), endsAt: nil, labels: rule.labels, annotations: rule.annotations,
                    tenant: tenant))
        }
        if last { try await reloadHistory(now: now) }
        if let sink = self.alerts, !alerts.isEmpty { await sink.deliver(changes: alerts, active: alerts, tenant: tenant) }
        return count
    }
}
