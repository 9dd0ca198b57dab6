import EtlworksAPI
import ExporterBase
import Exposition
import Foundation
import Logging
import SLAStore
import SlidingWindows
import Store
import Vocabulary

/// Evaluates every rule for every target after each poll and on a timer, against stored
/// runs and persisted states, so that neither windows nor `for` timers reset on a restart.
/// Publishes the result to the live state and hands breaches to the notifiers.
public actor SLAEngine: CompletedRunSink {
    let rules: [SLARule]
    let store: SLAStateStore
    let runStore: SQLiteRunStore
    /// The stored history series, for replaying agent and billing rules (nil: not replayed).
    let history: (any SLAHistory)?
    let host: any SLAHost
    let alerts: (any SLAAlertSink)?
    let logger: Logger
    let timeZone: TimeZone
    /// Cron schedules fire in this zone (`etlworks.scheduler_timezone`, else `timeZone`).
    let scheduleTimeZone: TimeZone
    let healthPolicy: SLAHealthPolicy
    /// When no breach starts for the flows they cover (`maintenance:`).
    let maintenance: [MaintenanceWindow]
    /// The tenant whose rules these are (`etlworks.tenants`): its results and breaches say so.
    let tenant: Tenant?

    private var windows: RunWindows
    /// One per rule: each keeps its own caches, so rules can be measured in parallel.
    private var evaluators: [SLAConditionEvaluator]
    /// Per rule name, the states of targets whose condition holds.
    var states: [String: [SLATarget: SLATargetState]] = [:]
    var breachCounts: [String: [SLATarget: Int64]] = [:]
    /// Breach intervals of the last 31 days and the current month, per rule and target key,
    /// epoch ms as the episodes store them.
    var intervals: [String: [SLATarget: [(startMs: Int64, endMs: Int64?)]]] = [:]
    /// Observed stretches of the same period, ascending (the denominator of compliance).
    var observed: [SLACompliance.Span] = []
    private var labelCache: [String: [SLATarget: (name: String, labels: LabelSet)]] = [:]
    /// Whether flow targets' series carry `flow_name` (`metrics.flow_name_label`).
    private let flowNameLabel: Bool
    var evaluatingSince: Double = 0
    private var lastPrune: Double = 0
    private var unsavedPeaks: [Int64: Double?] = [:]
    private var lastPeakSave: Double = 0
    var started = false
    private var pendingRuns: [CompletedRun] = []
    private var evaluating = false
    private var evaluateAgain = false
    var lastPublished = SLASnapshot()
    private var storageFailing = false
    /// Per flow, the start of its oldest stored completed run (`max_since_success` without a
    /// success counts from it), epoch seconds; kept only when such a rule exists.
    private var firstRuns: [Int64: Double] = [:]
    private let tracksFirstRuns: Bool
    /// Per schedule (`eventId`), the latest start of a run it fired, epoch ms; kept only when
    /// a `missed_schedule` rule exists.
    private var scheduledStarts: [Int64: Int64] = [:]
    private let tracksSchedules: Bool
    /// Seconds between the instants a replay evaluates (`poll.executions`).
    let replayStep: Double
    /// nil before `replay` runs; evaluations wait while it runs.
    var replayPhase: SLASnapshot.ReplayPhase?
    /// Whether this start is the database's first evaluation (nothing was watched before).
    var evaluatesFirstTime = false

    public init(
        rules: [SLARule], store: SLAStateStore, runStore: SQLiteRunStore, host: any SLAHost,
        alerts: (any SLAAlertSink)?, timeZone: TimeZone?, scheduleTimeZone: TimeZone? = nil,
        healthPolicy: SLAHealthPolicy = .init(), flowNameLabel: Bool = false, replayStep: Double = 30,
        history: (any SLAHistory)? = nil, maintenance: [MaintenanceWindow] = [], tenant: Tenant? = nil,
        logger: Logger
    ) {
        self.tenant = tenant
        self.maintenance = maintenance
        self.history = history
        self.replayStep = replayStep
        self.healthPolicy = healthPolicy
        self.flowNameLabel = flowNameLabel
        self.rules = rules
        self.store = store
        self.runStore = runStore
        self.host = host
        self.alerts = alerts
        self.logger = logger
        let zone = timeZone ?? TimeZone(identifier: "UTC")!
        self.timeZone = zone
        self.scheduleTimeZone = scheduleTimeZone ?? zone
        tracksFirstRuns = rules.contains { if case .maxSinceSuccess = $0.condition { true } else { false } }
        tracksSchedules = rules.contains { if case .missedSchedule = $0.condition { true } else { false } }
        let streaks = rules.compactMap { rule -> Int? in
            if case .consecutiveFailures(let count) = rule.condition { return count }
            return nil
        }
        let streak = streaks.max() ?? 1
        // Streaks need the latest runs whatever their age; a day of runs covers them for most
        // flows, so that only rare flows are read one by one at start.
        let horizon = max(rules.map(\.condition.runWindow).max() ?? 0, streaks.isEmpty ? 0 : 86400)
        windows = RunWindows(horizon: horizon, keepLatest: streak)
        evaluators = Array(repeating: SLAConditionEvaluator(), count: rules.count)
    }

    /// Loads states, episodes and the runs the windows need. Rules no longer configured have
    /// their open episodes closed.
    public func start(now: Double = Date().timeIntervalSince1970) async throws {
        if let stored = try await runStore.meta("sla.evaluating_since").flatMap(Double.init) {
            evaluatingSince = stored
        } else {
            evaluatingSince = now
            evaluatesFirstTime = true
            try await runStore.setMeta("sla.evaluating_since", String(now))
        }
        let names = Set(rules.map(\.name))
        var changes = SLAStateChanges()
        for stored in try await store.states() {
            guard names.contains(stored.rule) else {
                changes.deletions.append((stored.rule, stored.target))
                if let id = stored.episodeId { changes.updated.append((id, EpochMillis.from(seconds: now, .towardZero), nil)) }
                continue
            }
            guard let target = SLATarget(key: stored.target) else { continue }
            states[stored.rule, default: [:]][target] = SLATargetState(
                phase: stored.phase, since: EpochMillis.seconds(stored.sinceMs),
                breachStart: nil, episodeId: stored.episodeId)
        }
        _ = try await store.apply(changes)
        try await reloadHistory(now: now)
        if windows.horizon > 0 {
            let loadStart = ContinuousClock.now
            var page = try await runStore.completedRuns(endedSince: EpochMillis.from(seconds: now - windows.horizon, .towardZero))
            windows.add(page.runs)
            while let next = page.next {
                page = try await runStore.completedRuns(
                    endedSince: EpochMillis.from(seconds: now - windows.horizon, .towardZero), after: next)
                windows.add(page.runs)
            }
            logger.info(
                "Loaded the runs SLA windows need",
                metadata: [
                    "sla.runs": "\(windows.runCount)", "sla.horizon": "\(DurationText.format(windows.horizon))",
                    "sla.load_seconds": "\((ContinuousClock.now - loadStart).inSeconds)"
                ])
        }
        if rules.contains(where: { if case .consecutiveFailures = $0.condition { true } else { false } }) {
            for flow in try await runStore.flowMetrics() where (windows[flow.flow.id]?.count ?? 0) < windows.keepLatest {
                windows.add(
                    try await runStore.latestCompletedRuns(flowId: flow.flow.id, limit: windows.keepLatest)
                        .filter { run in !(windows[flow.flow.id]?.contains(endMs: run.endMs) ?? false) })
            }
        }
        if tracksFirstRuns {
            firstRuns = try await runStore.firstCompletedRunStarts().mapValues { EpochMillis.seconds($0) }
        }
        if tracksSchedules {
            for (flowId, latest) in try await runStore.latestStarts() { windows.noteStart(flowId: flowId, epochMs: latest) }
            noteScheduledStarts(try await runStore.latestScheduledStarts())
        }
        // Runs read back from the database were judged before the restart; those that arrive
        // now, and the ones that arrived during the load, are judged at the next evaluation.
        windows.clearRecentLongest()
        windows.judgedFromMs = EpochMillis.from(seconds: evaluatingSince, .towardZero)
        windows.add(pendingRuns.filter { run in !(windows[run.flowId]?.contains(endMs: run.endMs) ?? false) })
        pendingRuns = []
        windows.compact()
        lastPrune = now
        started = true
    }

    /// Reads the breach intervals, observed time and breach counts compliance and counters
    /// need from the database (at start, and after a replay wrote to it).
    func reloadHistory(now: Double = Date().timeIntervalSince1970) async throws {
        let from = min(now - 31 * 86400, monthStart(now))
        observed = try await store.observedSpans(from: EpochMillis.from(seconds: from, .towardZero)).map {
            SLACompliance.Span(startMs: $0.startMs, endMs: $0.endMs)
        }
        intervals = [:]
        for (rule, byTarget) in try await store.breachIntervals(from: EpochMillis.from(seconds: from, .towardZero)) {
            for (key, spans) in byTarget {
                if let target = SLATarget(key: key) { intervals[rule, default: [:]][target] = spans }
            }
        }
        for episode in try await store.openEpisodes() {
            guard let target = SLATarget(key: episode.target), states[episode.rule]?[target]?.episodeId == episode.id else {
                continue
            }
            states[episode.rule]![target]!.breachStart = EpochMillis.seconds(episode.startMs)
            states[episode.rule]![target]!.peak = episode.peak
        }
        breachCounts = [:]
        for (rule, counts) in try await store.episodeCounts() {
            for (key, count) in counts {
                if let target = SLATarget(key: key) { breachCounts[rule, default: [:]][target] = count }
            }
        }
    }

    /// Shows the replay's progress in what the engine last published (/health).
    func publishReplayPhase(_ phase: SLASnapshot.ReplayPhase) async {
        replayPhase = phase
        lastPublished.replay = replayPhase
        lastPublished.rules = rules
        lastPublished.healthPolicy = healthPolicy
        lastPublished.tenant = tenant
        await host.publishSLA(lastPublished)
    }

    /// A snapshot of these rules with no evaluation in it yet.
    private func emptySnapshot() -> SLASnapshot {
        var snapshot = SLASnapshot()
        snapshot.rules = rules
        snapshot.healthPolicy = healthPolicy
        snapshot.tenant = tenant
        return snapshot
    }

    /// Publishes that rules cannot be evaluated (shown in /health).
    public func reportStartFailure(_ error: any Error) async {
        var published = emptySnapshot()
        published.problem = "SLA rules are not evaluated: their state could not be loaded: \(error)"
        await host.publishSLA(published)
    }

    /// Tells the notifiers that none of these rules' breaches is active any more (a tenant no
    /// longer watched): no resolution is sent, for none is known to have ended.
    public func withdrawAlerts() async {
        await alerts?.deliver(changes: [], active: [], tenant: tenant)
    }

    /// Whether `start` has loaded what evaluation needs.
    public var isStarted: Bool { started }

    public func add(_ runs: [CompletedRun]) {
        // While `start` reads the database, new runs wait: they may be in what it reads.
        if started { windows.add(runs) } else { pendingRuns += runs }
        for run in runs where tracksFirstRuns {
            let start = EpochMillis.seconds(run.startMs ?? run.endMs)
            if start < firstRuns[run.flowId] ?? .infinity { firstRuns[run.flowId] = start }
        }
    }

    public func noteScheduledStarts(_ starts: [Int64: Int64]) {
        guard tracksSchedules else { return }
        // The latest wins, whichever of the load and a poll comes first.
        scheduledStarts.merge(starts, uniquingKeysWith: max)
    }

    /// Evaluates every rule at `now` (default: the current time); returns what it published.
    /// Evaluations never overlap: one asked for while another runs is run right after it (the
    /// engine is an actor, and an evaluation awaits its database write).
    @discardableResult
    public func evaluate(now: Double? = nil) async -> SLASnapshot {
        guard started else { return SLASnapshot() }
        // A replay sets the states evaluation continues from.
        if replayPhase == .running { return lastPublished }
        if evaluating {
            evaluateAgain = true
            return lastPublished
        }
        evaluating = true
        defer { evaluating = false }
        var published = await evaluateOnce(now: now ?? Date().timeIntervalSince1970)
        while evaluateAgain {
            evaluateAgain = false
            published = await evaluateOnce(now: Date().timeIntervalSince1970)
        }
        return published
    }

    private func evaluateOnce(now: Double) async -> SLASnapshot {
        let clockStart = ContinuousClock.now
        // Whole milliseconds, as run times are: /api/v1/sla can then state the instant exactly.
        let now = (now * 1000).rounded(.down) / 1000
        if now - lastPrune > 600 {
            windows.prune(now: now)
            // Breach intervals are kept for the compliance windows: 30 days and this month.
            let keepFrom = EpochMillis.from(seconds: min(now - 31 * 86400, monthStart(now)), .towardZero)
            for (rule, byTarget) in intervals {
                intervals[rule] = byTarget.compactMapValues { spans in
                    let kept = spans.filter { ($0.endMs ?? .max) >= keepFrom }
                    return kept.isEmpty ? nil : kept
                }
            }
            observed.removeAll { $0.endMs < keepFrom }
            lastPrune = now
        }
        let snapshot = await host.slaObservations()
        var inputs = SLAInputs(
            now: now, flows: snapshot.flows, runs: windows, schedules: snapshot.schedules,
            agents: snapshot.agents ?? [], subscription: snapshot.subscription, timeZone: timeZone,
            evaluatingSince: evaluatingSince)
        inputs.firstRuns = firstRuns
        inputs.kinds = snapshot.kinds
        inputs.streams = snapshot.streams
        inputs.lastSuccessLookedUp = snapshot.lastSuccessLookedUp
        inputs.scheduledStarts = scheduledStarts
        inputs.scheduleTimeZone = scheduleTimeZone
        windows.clearRecentLongest()
        // Restored if the changes cannot be written, so that the next evaluation makes (and
        // writes, and notifies) the same transitions.
        let saved = (states: states, counts: breachCounts, intervals: intervals, peaks: unsavedPeaks, observed: observed)
        var changes = SLAStateChanges()
        let nowMs = EpochMillis.from(seconds: now)
        if let fresh = snapshot.pollsFreshUntil, now <= fresh { changes.observed = observe(at: nowMs) }
        var results: [SLAResult] = []
        var alertChanges: [SLAAlert] = []
        var openedIndex: [(rule: String, target: SLATarget)] = []
        let thirtyDays = SLACompliance.window(observed: observed, fromMs: nowMs - 30 * 86_400_000, toMs: nowMs)
        let month = SLACompliance.window(
            observed: observed, fromMs: EpochMillis.from(seconds: monthStart(now), .towardZero), toMs: nowMs)
        var inMaintenance = SLAMaintenance(
            maintenance, flows: inputs.flows, kinds: inputs.kinds, now: now, zone: timeZone,
            periodStart: min(now - 30 * 86400, monthStart(now)))
        let measurements = await measureAll(inputs: inputs, agents: snapshot.agents)
        for (ruleIndex, rule) in rules.enumerated() {
            // Targets not measured this time (agents before their first poll) keep their state.
            guard let measured = measurements[ruleIndex] else { continue }
            var ruleStates = states[rule.name] ?? [:]
            var ruleLabels = labelCache[rule.name] ?? [:]
            labelCache[rule.name] = nil
            // Held states whose target was measured again; fewer than held means some went away.
            let heldBefore = ruleStates.count
            var heldSeen = 0
            let ruleCounts = breachCounts[rule.name] ?? [:]
            let ruleIntervals = intervals[rule.name] ?? [:]
            for (target, measurementOrNil) in measured {
                var measurement = measurementOrNil ?? SLAMeasurement(holds: false, value: nil, threshold: nil)
                let previous = heldBefore == 0 ? nil : ruleStates[target]
                if previous != nil { heldSeen += 1 }
                // In maintenance no breach starts (one under way goes on, to its end).
                let held =
                    measurement.holds
                    && (inMaintenance.covered.isEmpty || previous?.phase == .breaching || target.kind != .flow
                        || !inMaintenance.covered.contains(target.id))
                let (next, transition) = SLAStateMachine.step(
                    previous, holds: held, value: measurement.value,
                    now: now, holdFor: rule.breachesAfter, lowerIsWorse: rule.condition.lowerIsWorse,
                    heldSince: measurement.heldSince)
                if case .agentOffline = rule.condition {
                    measurement.value = next.map { now - $0.since } ?? 0
                }
                if previous != nil || next != nil { ruleStates[target] = next }
                record(
                    rule: rule, target: target, previous: previous, next: next, transition: transition,
                    measurement: measurement, now: now, changes: &changes, opened: &openedIndex, alerts: &alertChanges)
                let labels = Self.labels(rule: rule, target: target, flowName: flowNameLabel, cache: &ruleLabels)
                let observedWindows = inMaintenance.windows(for: target, thirtyDays: thirtyDays, month: month)
                // A transition changed the live tables; otherwise the rule's copies are current.
                let spans =
                    (transition == nil ? (ruleIntervals.isEmpty ? nil : ruleIntervals[target]) : intervals[rule.name]?[target])
                    ?? []
                results.append(
                    SLAResult(
                        rule: rule.name, severity: rule.severity, condition: rule.condition.key, target: target,
                        phase: next.map { $0.phase == .breaching ? .breaching : .pending } ?? .ok,
                        since: next?.since, breachStart: next?.breachStart, measurement: measurement,
                        breachesTotal: (transition == nil
                            ? (ruleCounts.isEmpty ? nil : ruleCounts[target]) : breachCounts[rule.name]?[target]) ?? 0,
                        compliance30d: compliance(spans, in: observedWindows.thirtyDays),
                        complianceMonth: compliance(spans, in: observedWindows.month), labels: labels, tenant: tenant))
            }
            // Targets gone (a deleted flow, a flow no longer matching): end their breach.
            let gone: [(SLATarget, SLATargetState)]
            if heldSeen < heldBefore || ruleLabels.count > measured.count {
                let seen = Set(measured.map(\.0))
                gone = ruleStates.filter { !seen.contains($0.key) }.map { ($0.key, $0.value) }
                if ruleLabels.count > seen.count { ruleLabels = ruleLabels.filter { seen.contains($0.key) } }
            } else {
                gone = []
            }
            for (target, held) in gone {
                ruleStates[target] = nil
                changes.deletions.append((rule.name, target.key))
                if held.phase == .breaching, let id = held.episodeId {
                    changes.updated.append((id, EpochMillis.from(seconds: now, .towardZero), held.peak))
                    unsavedPeaks[id] = nil
                    closeInterval(rule: rule.name, target: target, atMs: EpochMillis.from(seconds: now, .towardZero))
                }
            }
            labelCache[rule.name] = ruleLabels
            states[rule.name] = ruleStates
        }
        if now - lastPeakSave >= 60 {
            for (id, peak) in unsavedPeaks { changes.updated.append((id, nil, peak)) }
            unsavedPeaks.removeAll(keepingCapacity: true)
            lastPeakSave = now
        }
        do {
            let ids = try await store.apply(changes)
            for (index, pair) in openedIndex.enumerated() where index < ids.count {
                states[pair.rule]?[pair.target]?.episodeId = ids[index]
            }
            if storageFailing {
                storageFailing = false
                logger.info("SLA states are stored again")
                await host.reportSLAStorage(failure: nil)
            }
        } catch {
            if !storageFailing { logger.warning("Could not store SLA states", metadata: ["error": "\(error)"]) }
            storageFailing = true
            await host.reportSLAStorage(failure: "SLA states: \(error)")
            (states, breachCounts, intervals, unsavedPeaks, observed) = saved
            alertChanges = []
        }
        var published = emptySnapshot()
        published.evaluatedAt = now
        published.evaluationSeconds = (ContinuousClock.now - clockStart).inSeconds
        published.results = results
        published.replay = replayPhase
        published.maintenance = inMaintenance.active
        await host.publishSLA(published)
        lastPublished = published
        if let alerts {
            let active = results.filter { $0.phase == .breaching }.map { alert(for: $0, endsAt: nil) }
            await alerts.deliver(changes: alertChanges, active: active, tenant: tenant)
        }
        return published
    }

    // MARK: Measuring

    /// Measures every rule, the rules spread over the cores (measuring is pure; only the
    /// state transitions after it need the actor).
    private func measureAll(inputs: SLAInputs, agents: [Agent]?) async -> [[(SLATarget, SLAMeasurement?)]?] {
        typealias Measured = (index: Int, targets: [(SLATarget, SLAMeasurement?)]?, evaluator: SLAConditionEvaluator)
        let rules = self.rules
        let evaluators = self.evaluators
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rules.count))
        var measured = [[(SLATarget, SLAMeasurement?)]?](repeating: nil, count: rules.count)
        await withTaskGroup(of: [Measured].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var done: [Measured] = []
                    for index in stride(from: worker, to: rules.count, by: workers) {
                        var evaluator = evaluators[index]
                        let targets = Self.measure(rules[index], inputs: inputs, agents: agents, evaluator: &evaluator)
                        done.append((index, targets, evaluator))
                    }
                    return done
                }
            }
            for await batch in group {
                for item in batch {
                    measured[item.index] = item.targets
                    self.evaluators[item.index] = item.evaluator
                }
            }
        }
        return measured
    }

    /// Each target of the rule with its measurement (nil: not measurable), or nil when the
    /// data the rule needs has not been polled yet.
    private static func measure(
        _ rule: SLARule, inputs: SLAInputs, agents: [Agent]?,
        evaluator: inout SLAConditionEvaluator
    ) -> [(SLATarget, SLAMeasurement?)]? {
        switch rule.target {
        case .flows:
            var measured: [(SLATarget, SLAMeasurement?)] = []
            measured.reserveCapacity(inputs.flows.count)
            for flow in inputs.flows where rule.judges(flow.record, kind: inputs.kinds[flow.id]) {
                measured.append(
                    (
                        SLATarget(kind: .flow, id: flow.id, name: flow.record.name),
                        evaluator.measure(rule.condition, flow: flow, inputs: inputs)
                    ))
            }
            return measured
        case .agents(let patterns):
            guard let agents, case .agentOffline(let hold) = rule.condition else { return nil }
            return agents.compactMap { agent in
                guard patterns.contains(where: { $0.matches(agent.name) }) else { return nil }
                return (
                    SLATarget(kind: .agent, id: agent.numericId, name: agent.name, externalId: agent.id),
                    SLAConditionEvaluator.measure(agentOffline: hold, agent: agent)
                )
            }
        case .tenant:
            guard inputs.subscription != nil, case .billingUsage(let ratio, let period) = rule.condition else { return nil }
            return [(.tenant, SLAConditionEvaluator.measure(billing: ratio, period: period, inputs: inputs))]
        }
    }

    private func record(
        rule: SLARule, target: SLATarget, previous: SLATargetState?, next: SLATargetState?,
        transition: SLATransition?, measurement: SLAMeasurement, now: Double,
        changes: inout SLAStateChanges, opened: inout [(rule: String, target: SLATarget)], alerts: inout [SLAAlert]
    ) {
        // Fast path: nothing to record for a target that stays ok (most of them).
        if transition == nil, previous == nil, next == nil { return }
        let key = target.key
        switch transition {
        case .breached(let at)?:
            changes.opened.append(
                SLAEpisode(
                    id: 0, rule: rule.name, target: key, targetName: target.name,
                    severity: rule.severity.rawValue, startMs: EpochMillis.from(seconds: at, .towardZero), endMs: nil,
                    peak: measurement.value, threshold: measurement.threshold))
            opened.append((rule.name, target))
            changes.upserts.append(
                StoredSLAState(
                    rule: rule.name, target: key, phase: .breaching,
                    sinceMs: EpochMillis.from(seconds: next?.since ?? at, .towardZero),
                    episodeId: nil))
            breachCounts[rule.name, default: [:]][target, default: 0] += 1
            intervals[rule.name, default: [:]][target, default: []].append((EpochMillis.from(seconds: at, .towardZero), nil))
            alerts.append(alert(rule: rule, target: target, measurement: measurement, startsAt: at, endsAt: nil))
        case .resolved(let at)?:
            changes.deletions.append((rule.name, key))
            if let id = previous?.episodeId {
                changes.updated.append((id, EpochMillis.from(seconds: at, .towardZero), previous?.peak))
                unsavedPeaks[id] = nil
            }
            closeInterval(rule: rule.name, target: target, atMs: EpochMillis.from(seconds: at, .towardZero))
            alerts.append(
                alert(
                    rule: rule, target: target, measurement: measurement,
                    startsAt: previous?.breachStart ?? previous?.since ?? at, endsAt: at))
        case nil:
            if let next, previous == nil {
                changes.upserts.append(
                    StoredSLAState(
                        rule: rule.name, target: key, phase: .pending,
                        sinceMs: EpochMillis.from(seconds: next.since, .towardZero),
                        episodeId: nil))
            } else if previous != nil, next == nil {
                changes.deletions.append((rule.name, key))
            } else if let next, let id = next.episodeId, next.peak != previous?.peak {
                // Peaks move with every evaluation of a growing value; they are written once
                // a minute (and when the episode ends), not on every evaluation.
                unsavedPeaks[id] = next.peak
            }
        }
    }

    // MARK: Helpers

    private func closeInterval(rule: String, target: SLATarget, atMs: Int64) {
        guard var spans = intervals[rule]?[target], let last = spans.indices.last, spans[last].endMs == nil else { return }
        spans[last].endMs = atMs
        intervals[rule]![target] = spans
    }

    /// Extends the latest observed stretch to `nowMs`, or begins one when the previous
    /// evaluation on fresh polls is more than `observationGap` ago; returns it for storage.
    private func observe(at nowMs: Int64) -> (startMs: Int64, endMs: Int64) {
        if let last = observed.last, nowMs >= last.endMs,
            nowMs - last.endMs <= EpochMillis.from(seconds: Self.observationGap, .towardZero)
        {
            observed[observed.count - 1].endMs = nowMs
        } else if observed.last.map({ nowMs > $0.endMs }) ?? true {
            observed.append(SLACompliance.Span(startMs: nowMs, endMs: nowMs))
        }
        let last = observed[observed.count - 1]
        return (last.startMs, last.endMs)
    }

    /// Evaluations run at least every 30 s; a longer silence is a stopped or stalled exporter.
    static let observationGap: Double = 300

    private func compliance(_ spans: [(startMs: Int64, endMs: Int64?)], in window: SLACompliance.Window) -> Double? {
        // Most targets never breached: their compliance is whole wherever anything was observed.
        if spans.isEmpty { return window.observedMs > 0 ? 1 : nil }
        return SLACompliance.ratio(breaches: spans, in: window)
    }

    private func monthStart(_ now: Double) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let date = Date(timeIntervalSince1970: now)
        return (calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date).timeIntervalSince1970
    }

    private static func labels(
        rule: SLARule, target: SLATarget, flowName: Bool, cache: inout [SLATarget: (name: String, labels: LabelSet)]
    ) -> LabelSet {
        if let cached = cache[target], cached.name == target.name { return cached.labels }
        var pairs: [(String, String)] = [("sla", rule.name)]
        switch target.kind {
        case .flow:
            pairs.append(("flow_id", String(target.id)))
            if flowName { pairs.append(("flow_name", target.name)) }
        case .agent: pairs += [("agent_id", target.externalId ?? String(target.id)), ("agent_name", target.name)]
        case .tenant: break
        }
        pairs.append(("severity", rule.severity.rawValue))
        let labels = LabelSet(pairs)
        cache[target] = (target.name, labels)
        return labels
    }

    private func alert(rule: SLARule, target: SLATarget, measurement: SLAMeasurement, startsAt: Double, endsAt: Double?)
        -> SLAAlert
    {
        SLAAlert(
            rule: rule.name, severity: rule.severity, condition: rule.condition.key, target: target,
            value: measurement.value, threshold: measurement.threshold, detail: measurement.detail,
            startsAt: startsAt, endsAt: endsAt, labels: rule.labels, annotations: rule.annotations, tenant: tenant)
    }

    private func alert(for result: SLAResult, endsAt: Double?) -> SLAAlert {
        let rule = rules.first { $0.name == result.rule }
        return SLAAlert(
            rule: result.rule, severity: result.severity, condition: result.condition, target: result.target,
            value: result.measurement.value, threshold: result.measurement.threshold,
            detail: result.measurement.detail, startsAt: result.breachStart ?? result.since ?? 0,
            endsAt: endsAt, labels: rule?.labels ?? [:], annotations: rule?.annotations ?? [:], tenant: tenant)
    }
}
