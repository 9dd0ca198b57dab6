import EtlworksAPI
import Exposition
import Foundation
import Logging
import Store

/// Evaluates every rule for every target after each poll and on a timer, against stored
/// runs and persisted states, so that neither windows nor `for` timers reset on a restart.
/// Publishes the result to the live state and hands breaches to the notifiers.
public actor SLAEngine: CompletedRunSink {
    let rules: [SLARule]
    let store: SLAStateStore
    let runStore: SQLiteRunStore
    let state: ExporterState
    let alerts: (any SLAAlertSink)?
    let logger: Logger
    let timeZone: TimeZone
    let healthPolicy: SLAHealthPolicy

    private var windows: RunWindows
    private var evaluator = SLAConditionEvaluator()
    /// Per rule name, the states of targets whose condition holds.
    private var states: [String: [String: SLATargetState]] = [:]
    private var breachCounts: [String: [String: Int64]] = [:]
    /// Breach intervals of the last 31 days and the current month, per rule and target key.
    private var intervals: [String: [String: [(start: Double, end: Double?)]]] = [:]
    private var labelCache: [String: [String: (name: String, labels: LabelSet)]] = [:]
    private var evaluatingSince: Double = 0
    private var lastPrune: Double = 0
    private var started = false

    public init(rules: [SLARule], store: SLAStateStore, runStore: SQLiteRunStore, state: ExporterState,
                alerts: (any SLAAlertSink)?, timeZone: TimeZone?, healthPolicy: SLAHealthPolicy = .init(), logger: Logger) {
        self.healthPolicy = healthPolicy
        self.rules = rules
        self.store = store
        self.runStore = runStore
        self.state = state
        self.alerts = alerts
        self.logger = logger
        self.timeZone = timeZone ?? TimeZone(identifier: "UTC")!
        let horizon = rules.map(\.condition.runWindow).max() ?? 0
        let streak = rules.compactMap { rule -> Int? in
            if case .consecutiveFailures(let count) = rule.condition { return count }
            return nil
        }.max() ?? 1
        windows = RunWindows(horizon: horizon, keepLatest: streak)
    }

    /// Loads states, episodes and the runs the windows need. Rules no longer configured have
    /// their open episodes closed.
    public func start(now: Double = Date().timeIntervalSince1970) async throws {
        if let stored = try await runStore.meta("sla.evaluating_since").flatMap(Double.init) {
            evaluatingSince = stored
        } else {
            evaluatingSince = now
            try await runStore.setMeta("sla.evaluating_since", String(now))
        }
        let names = Set(rules.map(\.name))
        var changes = SLAStateChanges()
        for stored in try await store.states() {
            guard names.contains(stored.rule) else {
                changes.deletions.append((stored.rule, stored.target))
                if let id = stored.episodeId { changes.updated.append((id, Int64(now * 1000), nil)) }
                continue
            }
            states[stored.rule, default: [:]][stored.target] = SLATargetState(
                phase: stored.phase == 2 ? .breaching : .pending, since: Double(stored.sinceMs) / 1000,
                breachStart: nil, episodeId: stored.episodeId)
        }
        let from = min(now - 31 * 86400, monthStart(now))
        for episode in try await store.episodes(from: Int64(from * 1000), to: Int64.max) {
            intervals[episode.rule, default: [:]][episode.target, default: []]
                .append((Double(episode.startMs) / 1000, episode.endMs.map { Double($0) / 1000 }))
            if let id = states[episode.rule]?[episode.target]?.episodeId, id == episode.id {
                states[episode.rule]![episode.target]!.breachStart = Double(episode.startMs) / 1000
                states[episode.rule]![episode.target]!.peak = episode.peak
            }
        }
        _ = try await store.apply(changes)
        breachCounts = try await store.episodeCounts()
        if windows.horizon > 0 {
            windows.add(try await runStore.completedRuns(endedSince: Int64((now - windows.horizon) * 1000)))
        }
        if rules.contains(where: { if case .consecutiveFailures = $0.condition { true } else { false } }) {
            for flow in try await runStore.flowMetrics() where (windows[flow.flow.id]?.count ?? 0) < windows.keepLatest {
                windows.add(try await runStore.latestCompletedRuns(flowId: flow.flow.id, limit: windows.keepLatest)
                    .filter { run in !(windows[flow.flow.id]?.contains(endMs: run.endMs) ?? false) })
            }
        }
        if rules.contains(where: { if case .missedSchedule = $0.condition { true } else { false } }) {
            for (flowId, cursor) in try await runStore.historyCursors() {
                if let latest = cursor.latest { windows.noteStart(flowId: flowId, epochMs: latest) }
            }
        }
        lastPrune = now
        started = true
    }

    public func add(_ runs: [CompletedRun]) {
        windows.add(runs)
    }

    /// Evaluates every rule now; returns what it published.
    @discardableResult
    public func evaluate(now: Double = Date().timeIntervalSince1970) async -> SLASnapshot {
        guard started else { return SLASnapshot() }
        let clockStart = ContinuousClock.now
        // Whole milliseconds, as run times are: /api/v1/sla can then state the instant exactly.
        let now = (now * 1000).rounded(.down) / 1000
        if now - lastPrune > 600 {
            windows.prune(now: now)
            lastPrune = now
        }
        let snapshot = await state.snapshot()
        let inputs = SLAInputs(now: now, flows: snapshot.flows.map(\.metrics), runs: windows, schedules: snapshot.schedules ?? [:],
                               agents: snapshot.agents ?? [], subscription: snapshot.subscription, timeZone: timeZone,
                               evaluatingSince: evaluatingSince)
        windows.clearRecentLongest()
        var changes = SLAStateChanges()
        var results: [SLAResult] = []
        var alertChanges: [SLAAlert] = []
        var openedIndex: [(rule: String, key: String)] = []
        let thirtyDays = now - 30 * 86400
        let month = monthStart(now)
        for rule in rules {
            let measured = measure(rule, inputs: inputs, snapshot: snapshot)
            // Targets not measured this time (agents before their first poll) keep their state.
            guard let measured else { continue }
            var ruleStates = states[rule.name] ?? [:]
            var seen = Set<String>()
            for (target, measurementOrNil) in measured {
                let key = target.key
                seen.insert(key)
                var measurement = measurementOrNil ?? SLAMeasurement(holds: false, value: nil, threshold: nil)
                let previous = ruleStates[key]
                let holdFor: Double
                if case .agentOffline(let hold) = rule.condition { holdFor = rule.holdFor + hold } else { holdFor = rule.holdFor }
                let (next, transition) = SLAStateMachine.step(previous, holds: measurement.holds, value: measurement.value,
                                                              now: now, holdFor: holdFor, lowerIsWorse: rule.condition.lowerIsWorse)
                if case .agentOffline = rule.condition {
                    measurement.value = next.map { now - $0.since } ?? 0
                }
                ruleStates[key] = next
                record(rule: rule, target: target, previous: previous, next: next, transition: transition,
                       measurement: measurement, now: now, changes: &changes, opened: &openedIndex, alerts: &alertChanges)
                let labels = labels(rule: rule, target: target)
                let spans = intervals[rule.name]?[key] ?? []
                results.append(SLAResult(
                    rule: rule.name, severity: rule.severity, condition: rule.condition.key, target: target,
                    phase: next.map { $0.phase == .breaching ? .breaching : .pending } ?? .ok,
                    since: next?.since, breachStart: next?.breachStart, measurement: measurement,
                    breachesTotal: breachCounts[rule.name]?[key] ?? 0,
                    compliance30d: compliance(spans, from: thirtyDays, now: now),
                    complianceMonth: compliance(spans, from: month, now: now), labels: labels))
            }
            // Targets gone (a deleted flow, a flow no longer matching): end their breach.
            for (key, held) in ruleStates where !seen.contains(key) {
                ruleStates[key] = nil
                changes.deletions.append((rule.name, key))
                if held.phase == .breaching, let id = held.episodeId {
                    changes.updated.append((id, Int64(now * 1000), held.peak))
                    closeInterval(rule: rule.name, key: key, at: now)
                }
                labelCache[rule.name]?[key] = nil
            }
            states[rule.name] = ruleStates
        }
        do {
            let ids = try await store.apply(changes)
            for (index, pair) in openedIndex.enumerated() where index < ids.count {
                states[pair.rule]?[pair.key]?.episodeId = ids[index]
            }
        } catch {
            logger.warning("Could not store SLA states", metadata: ["error": "\(error)"])
        }
        var published = SLASnapshot()
        published.evaluatedAt = now
        published.evaluationSeconds = Self.seconds(ContinuousClock.now - clockStart)
        published.results = results
        published.rules = rules
        published.healthPolicy = healthPolicy
        await state.setSLA(published)
        if let alerts {
            let active = results.filter { $0.phase == .breaching }.map { alert(for: $0, endsAt: nil) }
            await alerts.deliver(changes: alertChanges, active: active)
        }
        return published
    }

    // MARK: Measuring

    /// Each target of the rule with its measurement (nil: not measurable), or nil when the
    /// data the rule needs has not been polled yet.
    private func measure(_ rule: SLARule, inputs: SLAInputs, snapshot: ExporterSnapshot) -> [(SLATarget, SLAMeasurement?)]? {
        switch rule.target {
        case .flows(let selector):
            return inputs.flows.compactMap { flow in
                guard selector.matches(flow.flow) else { return nil }
                let target = SLATarget(kind: .flow, id: flow.flow.id, name: flow.flow.name)
                return (target, evaluator.measure(rule.condition, flow: flow, inputs: inputs))
            }
        case .agents(let patterns):
            guard let agents = snapshot.agents, case .agentOffline(let hold) = rule.condition else { return nil }
            return agents.compactMap { agent in
                guard patterns.contains(where: { $0.matches(agent.name) }) else { return nil }
                return (SLATarget(kind: .agent, id: agent.id, name: agent.name),
                        SLAConditionEvaluator.measure(agentOffline: hold, agent: agent))
            }
        case .tenant:
            guard inputs.subscription != nil, case .billingUsage(let ratio, let period) = rule.condition else { return nil }
            return [(.tenant, SLAConditionEvaluator.measure(billing: ratio, period: period, inputs: inputs))]
        }
    }

    private func record(rule: SLARule, target: SLATarget, previous: SLATargetState?, next: SLATargetState?,
                        transition: SLATransition?, measurement: SLAMeasurement, now: Double,
                        changes: inout SLAStateChanges, opened: inout [(rule: String, key: String)], alerts: inout [SLAAlert]) {
        let key = target.key
        switch transition {
        case .breached(let at)?:
            changes.opened.append(SLAEpisode(id: 0, rule: rule.name, target: key, targetName: target.name,
                                             severity: rule.severity.rawValue, startMs: Int64(at * 1000), endMs: nil,
                                             peak: measurement.value, threshold: measurement.threshold))
            opened.append((rule.name, key))
            changes.upserts.append(StoredSLAState(rule: rule.name, target: key, phase: 2, sinceMs: Int64((next?.since ?? at) * 1000),
                                                  episodeId: nil))
            breachCounts[rule.name, default: [:]][key, default: 0] += 1
            intervals[rule.name, default: [:]][key, default: []].append((at, nil))
            alerts.append(alert(rule: rule, target: target, measurement: measurement, startsAt: at, endsAt: nil))
        case .resolved(let at)?:
            changes.deletions.append((rule.name, key))
            if let id = previous?.episodeId { changes.updated.append((id, Int64(at * 1000), previous?.peak)) }
            closeInterval(rule: rule.name, key: key, at: at)
            alerts.append(alert(rule: rule, target: target, measurement: measurement,
                                startsAt: previous?.breachStart ?? previous?.since ?? at, endsAt: at))
        case nil:
            if let next, previous == nil {
                changes.upserts.append(StoredSLAState(rule: rule.name, target: key, phase: 1, sinceMs: Int64(next.since * 1000),
                                                      episodeId: nil))
            } else if previous != nil, next == nil {
                changes.deletions.append((rule.name, key))
            } else if let next, let id = next.episodeId, next.peak != previous?.peak {
                changes.updated.append((id, nil, next.peak))
            }
        }
    }

    // MARK: Helpers

    private func closeInterval(rule: String, key: String, at: Double) {
        guard var spans = intervals[rule]?[key], let last = spans.indices.last, spans[last].end == nil else { return }
        spans[last].end = at
        intervals[rule]![key] = spans
    }

    /// The share of [from, now] not breaching, counted from when evaluation began.
    private func compliance(_ spans: [(start: Double, end: Double?)], from: Double, now: Double) -> Double? {
        let start = max(from, evaluatingSince)
        guard now > start else { return nil }
        var breached = 0.0
        for span in spans {
            let overlap = min(span.end ?? now, now) - max(span.start, start)
            if overlap > 0 { breached += overlap }
        }
        return max(0, 1 - breached / (now - start))
    }

    private func monthStart(_ now: Double) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let date = Date(timeIntervalSince1970: now)
        return (calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date).timeIntervalSince1970
    }

    private func labels(rule: SLARule, target: SLATarget) -> LabelSet {
        if let cached = labelCache[rule.name]?[target.key], cached.name == target.name { return cached.labels }
        var pairs: [(String, String)] = [("sla", rule.name)]
        switch target.kind {
        case .flow: pairs += [("flow_id", String(target.id)), ("flow_name", target.name)]
        case .agent: pairs += [("agent_id", String(target.id)), ("agent_name", target.name)]
        case .tenant: break
        }
        pairs.append(("severity", rule.severity.rawValue))
        let labels = LabelSet(pairs)
        labelCache[rule.name, default: [:]][target.key] = (target.name, labels)
        return labels
    }

    private func alert(rule: SLARule, target: SLATarget, measurement: SLAMeasurement, startsAt: Double, endsAt: Double?) -> SLAAlert {
        SLAAlert(rule: rule.name, severity: rule.severity, condition: rule.condition.key, target: target,
                 value: measurement.value, threshold: measurement.threshold, detail: measurement.detail,
                 startsAt: startsAt, endsAt: endsAt, labels: rule.labels, annotations: rule.annotations)
    }

    private func alert(for result: SLAResult, endsAt: Double?) -> SLAAlert {
        let rule = rules.first { $0.name == result.rule }
        return SLAAlert(rule: result.rule, severity: result.severity, condition: result.condition, target: result.target,
                        value: result.measurement.value, threshold: result.measurement.threshold,
                        detail: result.measurement.detail, startsAt: result.breachStart ?? result.since ?? 0,
                        endsAt: endsAt, labels: rule?.labels ?? [:], annotations: rule?.annotations ?? [:])
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
