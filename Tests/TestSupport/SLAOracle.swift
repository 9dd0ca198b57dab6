import Foundation

/// Which (rule, target) pairs should breach, computed the plain way from the simulator's raw
/// runs, agents, schedules and subscription: no code shared with the exporter. Windows are
/// (now − window, now] in whole milliseconds, as the README states.
package struct SLAOracle {
    package struct Run {
        var status: String
        var created: Int64
        var started: Int64?
        var ended: Int64?
        var eventId: Int64?

        package init(status: String, created: Int64, started: Int64?, ended: Int64?, eventId: Int64? = nil) {
            self.status = status
            self.created = created
            self.started = started
            self.ended = ended
            self.eventId = eventId
        }
    }

    package struct Flow {
        package var id: Int64
        var name: String
        package var tags: [String]
        var runs: [Run]
        var completed: [Run] { runs.filter { $0.ended != nil }.sorted { $0.ended! < $1.ended! } }
        package var runCount: Int { runs.count }

        package init(id: Int64, name: String, tags: [String], runs: [Run]) {
            self.id = id
            self.name = name
            self.tags = tags
            self.runs = runs
        }
    }

    package var now: Double
    package var flows: [Flow]
    /// flowId → the schedule's id and text.
    package var schedules: [Int64: (id: Int64, text: String)]
    /// agent id → online.
    package var agents: [Int64: Bool]
    package var subscription: [String: Any]

    package init(
        now: Double, flows: [Flow], schedules: [Int64: (id: Int64, text: String)], agents: [Int64: Bool],
        subscription: [String: Any]
    ) {
        self.now = now
        self.flows = flows
        self.schedules = schedules
        self.agents = agents
        self.subscription = subscription
    }

    package var nowMs: Int64 { Int64((now * 1000).rounded()) }

    /// Pairs that hold, and pairs the oracle cannot decide (they depend on when the exporter
    /// first ran), as `flow:<id>`-style keys.
    package struct Verdict {
        package var holds: Set<String> = []
        package var undecidable: Set<String> = []

        package init(holds: Set<String> = [], undecidable: Set<String> = []) {
            self.holds = holds
            self.undecidable = undecidable
        }
    }

    package func inWindow(_ flow: Flow, seconds: Double) -> [Run] {
        let from = nowMs - Int64((seconds * 1000).rounded())
        return flow.completed.filter { $0.ended! > from && $0.ended! <= nowMs }
    }

    package func errorRate(_ flows: [Flow], max: Double, window: Double, minRuns: Int) -> Verdict {
        var verdict = Verdict()
        for flow in flows {
            let runs = inWindow(flow, seconds: window)
            let errors = runs.filter { $0.status == "error" }.count
            if runs.count >= minRuns, runs.count > 0, Double(errors) / Double(runs.count) > max {
                verdict.holds.insert("flow:\(flow.id)")
            }
        }
        return verdict
    }

    package func consecutiveFailures(_ flows: [Flow], _ count: Int) -> Verdict {
        var verdict = Verdict()
        for flow in flows {
            var streak = 0
            for run in flow.completed.reversed() {
                if run.status == "error" { streak += 1 } else if run.status == "canceled" { continue } else { break }
            }
            if streak >= count { verdict.holds.insert("flow:\(flow.id)") }
        }
        return verdict
    }

    /// `consecutive_failures` over time: each streak of `count` failed runs in a row (cancels
    /// skipped) breaches from the end of its `count`-th failure to the end of the next run
    /// that did not fail (nil: still on), epoch ms.
    package static func streakEpisodes(_ flow: Flow, count: Int) -> [(startMs: Int64, endMs: Int64?)] {
        var episodes: [(startMs: Int64, endMs: Int64?)] = []
        var streak = 0
        for run in flow.completed {
            if run.status == "canceled" { continue }
            if run.status == "error" {
                streak += 1
                if streak == count { episodes.append((run.ended!, nil)) }
            } else {
                if streak >= count { episodes[episodes.count - 1].endMs = run.ended! }
                streak = 0
            }
        }
        return episodes
    }

    /// `max_since_success` over time, up to `nowMs`: a breach from `limit` after the latest
    /// success (before any, after the flow's oldest run began) to the end of the next
    /// success (nil: still on), epoch ms.
    package static func freshnessEpisodes(_ flow: Flow, limitMs: Int64, nowMs: Int64) -> [(startMs: Int64, endMs: Int64?)] {
        guard var reference = oldestStartMs([flow]) else { return [] }
        var episodes: [(startMs: Int64, endMs: Int64?)] = []
        for run in flow.completed where run.status == "success" && run.ended! <= nowMs {
            if run.ended! > reference + limitMs { episodes.append((reference + limitMs, run.ended!)) }
            reference = max(reference, run.ended!)
        }
        if nowMs > reference + limitMs { episodes.append((reference + limitMs, nil)) }
        return episodes
    }

    /// When the oldest run was started (or queued), epoch ms.
    package static func oldestStartMs(_ flows: [Flow]) -> Int64? {
        flows.flatMap(\.runs).map { $0.started ?? $0.created }.min()
    }

    package func maxDuration(_ flows: [Flow], limit: Double) -> Verdict {
        var verdict = Verdict()
        for flow in flows {
            let last = flow.completed.last.flatMap { run in run.started.map { Double(run.ended! - $0) / 1000 } }
            let oldestRunning = flow.runs.filter { $0.status == "running" }.compactMap(\.started).min()
            let running = oldestRunning.map { now - Double($0) / 1000 }
            if (running ?? 0) > limit || (last ?? 0) > limit { verdict.holds.insert("flow:\(flow.id)") }
        }
        return verdict
    }

    package func maxSinceSuccess(_ flows: [Flow], limit: Double) -> Verdict {
        var verdict = Verdict()
        for flow in flows {
            guard let last = flow.completed.filter({ $0.status == "success" }).last?.ended else {
                verdict.undecidable.insert("flow:\(flow.id)")
                continue
            }
            if now - Double(last) / 1000 > limit { verdict.holds.insert("flow:\(flow.id)") }
        }
        return verdict
    }

    /// `deadline` in UTC by day arithmetic (no calendar): the latest listed day's `at` at or
    /// before now; it holds when no success ended since that day's `after` (the day before
    /// when `after` >= `at`). Weekdays 0 (Sunday) to 6.
    package func deadline(_ flows: [Flow], at: Int, after: Int, weekdays: Set<Int>, skippedDays: Set<Int64> = [])
        -> Verdict
    {
        var verdict = Verdict()
        let today = Int64((now / 86400).rounded(.down))
        var due: (at: Double, from: Double)?
        for day in stride(from: today, through: today - 14, by: -1) {
            let weekday = Int((day + 4) % 7) // 1970-01-01 was a Thursday
            guard weekdays.contains(weekday), !skippedDays.contains(day) else { continue }
            let dueAt = Double(day * 86400 + Int64(at))
            guard dueAt <= now else { continue }
            due = (dueAt, Double(day * 86400 + Int64(after)) - (after >= at ? 86400 : 0))
            break
        }
        guard let due else { return verdict }
        for flow in flows {
            let lastSuccess = flow.completed.filter { $0.status == "success" }.last?.ended.map { Double($0) / 1000 }
            if (lastSuccess ?? -.infinity) < due.from { verdict.holds.insert("flow:\(flow.id)") }
        }
        return verdict
    }

    package func durationPercentile(_ flows: [Flow], p: Double, max: Double, window: Double) -> Verdict {
        var verdict = Verdict()
        for flow in flows {
            // Run times are kept as 32-bit floats by the exporter; the same values are compared here.
            let durations = inWindow(flow, seconds: window).compactMap { run in
                run.started.map { Float(Double(run.ended! - $0) / 1000) }
            }.sorted()
            guard !durations.isEmpty else { continue }
            let rank = Swift.max(1, Int((p * Double(durations.count)).rounded(.up)))
            if Double(durations[Swift.min(durations.count, rank) - 1]) > max { verdict.holds.insert("flow:\(flow.id)") }
        }
        return verdict
    }

    package func maxQueued(_ flows: [Flow], limit: Double) -> Verdict {
        var verdict = Verdict()
        for flow in flows {
            if let created = flow.runs.filter({ $0.status == "queued" }).map(\.created).min(),
                now - Double(created) / 1000 > limit
            {
                verdict.holds.insert("flow:\(flow.id)")
            }
        }
        return verdict
    }

    package func missedSchedule(_ flows: [Flow], grace: Double) -> Verdict {
        var verdict = Verdict()
        for flow in flows {
            guard let schedule = schedules[flow.id], let seconds = Double(schedule.text) else { continue }
            // Runs that name a schedule answer for it alone; a run started by hand for none.
            let fired = flow.runs.contains { $0.eventId != nil } ? flow.runs.filter { $0.eventId == schedule.id } : flow.runs
            guard let lastMs = fired.map({ $0.started ?? $0.created }).max() else {
                verdict.undecidable.insert("flow:\(flow.id)")
                continue
            }
            let last = Double(lastMs) / 1000
            let allowed = (last + seconds) + grace - last
            if Swift.max(0, now - last) > allowed { verdict.holds.insert("flow:\(flow.id)") }
        }
        return verdict
    }

    /// The workbook's pairs for a 30-day objective, their factors scaled to `window` (a pair
    /// whose long window is longer than the objective's is left out), each judged once its
    /// long window holds `minRuns` runs.
    package func objective(_ flows: [Flow], target: Double, window: Double, minRuns: Int = 1) -> Verdict {
        var verdict = Verdict()
        let budget = 1 - target
        let pairs: [(long: Double, short: Double, factor: Double)] = [
            (3600, 300, 14.4), (21600, 1800, 6), (86400, 7200, 3), (259_200, 21600, 1)
        ]
        for flow in flows {
            func rate(_ seconds: Double) -> Double {
                let runs = inWindow(flow, seconds: seconds)
                guard !runs.isEmpty else { return 0 }
                return Double(runs.filter { $0.status == "error" }.count) / Double(runs.count) / budget
            }
            let total = inWindow(flow, seconds: window)
            guard !total.isEmpty else { continue }
            let good = 1 - Double(total.filter { $0.status == "error" }.count) / Double(total.count)
            let firing = pairs.contains { pair in
                let factor = pair.factor * window / (30 * 86400)
                return pair.long <= window && inWindow(flow, seconds: pair.long).count >= minRuns
                    && rate(pair.long) > factor && rate(pair.short) > factor
            }
            if good < target || firing { verdict.holds.insert("flow:\(flow.id)") }
        }
        return verdict
    }

    package func agentsOffline() -> Verdict {
        Verdict(holds: Set(agents.filter { !$0.value }.map { "agent:\($0.key)" }))
    }

    package func billing(maxRatio: Double) -> Verdict {
        func int(_ value: Any?) -> Int64? { (value as? NSNumber)?.int64Value }
        guard let used = int((subscription["usage"] as? [String: Any])?["monthRecords"]),
            let allowance = int((subscription["allowance"] as? [String: Any])?["monthlyRecords"]),
            let start = int((subscription["period"] as? [String: Any])?["start"]),
            let end = int((subscription["period"] as? [String: Any])?["end"])
        else { return Verdict() }
        let ratio = Double(used) / Double(allowance)
        let elapsed = (now - Double(start) / 1000) / (Double(end) / 1000 - Double(start) / 1000)
        var holds = ratio > maxRatio
        if elapsed >= 0.1, elapsed < 1, ratio / elapsed > 1 { holds = true }
        return Verdict(holds: holds ? ["tenant"] : [])
    }

    /// Reads the simulator's `/_sim/runs` answer.
    package static func flows(_ document: [String: Any]) -> [Flow] {
        func int(_ value: Any?) -> Int64? { (value as? NSNumber)?.int64Value }
        return (document["flows"] as? [[String: Any]] ?? []).map { flow in
            Flow(
                id: int(flow["id"]) ?? 0, name: flow["name"] as? String ?? "", tags: flow["tags"] as? [String] ?? [],
                runs: (flow["runs"] as? [[String: Any]] ?? []).map { run in
                    Run(
                        status: run["status"] as? String ?? "", created: int(run["created"]) ?? 0,
                        started: int(run["started"]), ended: int(run["ended"]), eventId: int(run["eventId"]))
                })
        }
    }
}
