import Foundation
import SLAStore
import SlidingWindows
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import ExporterBase
@testable import ExporterConfiguration
@testable import SLA
@testable import Store

/// The pure parts of SLA evaluation: each condition on crafted runs, the state machine,
/// globs and cron schedules.
@Suite struct SLAConditionTests {
    let now: Double = 1_790_000_000

    func flow(_ id: Int64 = 1, name: String = "orders load", tags: [String] = []) -> FlowMetrics {
        FlowMetrics(flow: FlowRecord(id: id, name: name, tags: tags))
    }

    /// Runs ending `ago` seconds before now, each of `duration` seconds.
    func windows(_ runs: [(ago: Double, status: RunStatus, duration: Double)], flowId: Int64 = 1) -> RunWindows {
        var windows = RunWindows(horizon: 40 * 86400, keepLatest: 10)
        // Added out of order on purpose: late runs must land in order.
        windows.add(
            runs.reversed().map { run in
                let end = Int64((now - run.ago) * 1000)
                return CompletedRun(
                    flowId: flowId, endMs: end, startMs: end - Int64(run.duration * 1000),
                    durationMs: Int64(run.duration * 1000), status: run.status)
            })
        return windows
    }

    func inputs(_ flow: FlowMetrics, _ windows: RunWindows, schedules: [Int64: [FlowSchedule]] = [:]) -> SLAInputs {
        SLAInputs(now: now, flows: [flow], runs: windows, schedules: schedules, evaluatingSince: now - 100 * 86400)
    }

    func measure(
        _ condition: SLACondition, _ flow: FlowMetrics, _ windows: RunWindows,
        schedules: [Int64: [FlowSchedule]] = [:]
    ) -> SLAMeasurement? {
        var evaluator = SLAConditionEvaluator()
        let inputs = inputs(flow, windows, schedules: schedules)
        return evaluator.measure(condition, flow: inputs.flows[0], inputs: inputs)
    }

    @Test func errorRateCountsRunsByEndTimeInsideTheWindowOnly() throws {
        // Window 1h: runs ending 10 min and 50 min ago count; 61 min ago does not.
        let runs = windows([(600, .error, 60), (3000, .success, 60), (3660, .error, 60)])
        let measured = try #require(measure(.errorRate(max: 0.4, window: 3600, minRuns: 1), flow(), runs))
        #expect(measured.value == 0.5)
        #expect(measured.holds)
        // A run ending exactly at the window's start is outside (the window is (now-w, now]).
        let edge = windows([(3600, .error, 60), (10, .success, 60)])
        #expect(measure(.errorRate(max: 0.4, window: 3600, minRuns: 1), flow(), edge)?.value == 0)
    }

    @Test func errorRateWaitsForMinRunsAndIgnoresRunningRuns() throws {
        var running = flow()
        running.running = 3
        running.oldestRunningStart = Int64((now - 100) * 1000)
        let runs = windows([(60, .error, 10), (120, .error, 10)])
        let measured = try #require(measure(.errorRate(max: 0.1, window: 3600, minRuns: 3), running, runs))
        #expect(measured.value == 1)
        #expect(!measured.holds)
        #expect(measure(.errorRate(max: 0.1, window: 3600, minRuns: 2), running, runs)?.holds == true)
        #expect(measure(.errorRate(max: 0.1, window: 3600, minRuns: 1), flow(), windows([]))?.holds == false)
    }

    @Test func maxDurationCatchesARunningRunAsSoonAsItPassesTheLimit() throws {
        var metrics = flow()
        metrics.lastDurationSeconds = 100
        metrics.oldestRunningStart = Int64((now - 3601) * 1000)
        let measured = try #require(measure(.maxDuration(seconds: 3600), metrics, windows([])))
        #expect(measured.holds)
        #expect(measured.value == 3601)
        metrics.oldestRunningStart = Int64((now - 3599) * 1000)
        #expect(measure(.maxDuration(seconds: 3600), metrics, windows([]))?.holds == false)
        metrics.lastDurationSeconds = 3700
        #expect(measure(.maxDuration(seconds: 3600), metrics, windows([]))?.holds == true)
    }

    @Test func maxDurationJudgesEveryRunCompletedSinceTheLastEvaluation() {
        var metrics = flow()
        metrics.lastDurationSeconds = 10
        // A long run and then a short one completed between two evaluations.
        var runs = windows([(300, .success, 5000), (5, .success, 10)])
        #expect(measure(.maxDuration(seconds: 3600), metrics, runs)?.holds == true)
        #expect(measure(.maxDuration(seconds: 3600), metrics, runs)?.value == 5000)
        runs.clearRecentLongest()
        #expect(measure(.maxDuration(seconds: 3600), metrics, runs)?.holds == false)
    }

    @Test func maxDurationFromTheScheduleUsesExpectedTimeAndSkipsFlowsWithoutOne() {
        var metrics = flow()
        metrics.lastDurationSeconds = 700
        let schedule = FlowSchedule(id: 9, flowId: 1, schedule: "3600", expectedSeconds: 600)
        #expect(measure(.maxDuration(seconds: nil), metrics, windows([]), schedules: [1: [schedule]])?.holds == true)
        #expect(measure(.maxDuration(seconds: nil), metrics, windows([]), schedules: [1: [schedule]])?.threshold == 600)
        #expect(measure(.maxDuration(seconds: nil), metrics, windows([])) == nil)
    }

    @Test func durationPercentileIsTheNearestRank() throws {
        let runs = windows((1...20).map { (Double($0) * 60, RunStatus.success, Double($0)) })
        // p95 of 1…20 by nearest rank: ceil(0.95 × 20) = 19th value.
        let measured = try #require(measure(.durationPercentile(p: 0.95, max: 18.5, window: 86400), flow(), runs))
        #expect(measured.value == 19)
        #expect(measured.holds)
        #expect(measure(.durationPercentile(p: 0.5, max: 18.5, window: 86400), flow(), runs)?.value == 10)
        // Only the runs inside the window: the last 5 minutes hold runs 1…5.
        #expect(measure(.durationPercentile(p: 1.0 - 1e-9, max: 100, window: 301), flow(), runs)?.value == 5)
    }

    @Test func selectionFindsTheSameValueAsSorting() {
        var generator = SystemRandomNumberGenerator()
        for size in [1, 2, 3, 10, 101, 1000] {
            for _ in 0..<20 {
                let values = (0..<size).map { _ in Float(Int.random(in: 0..<(size / 2 + 1), using: &generator)) }
                let k = Int.random(in: 0..<size, using: &generator)
                var scratch = values
                #expect(NearestRank.select(&scratch, k) == values.sorted()[k], "size \(size) k \(k)")
            }
        }
    }

    @Test func consecutiveFailuresSkipCancelsAndEndOnAWarning() {
        let streak = windows([(10, .error, 1), (20, .canceled, 1), (30, .error, 1), (40, .warning, 1), (50, .error, 1)])
        #expect(measure(.consecutiveFailures(2), flow(), streak)?.value == 2)
        #expect(measure(.consecutiveFailures(2), flow(), streak)?.holds == true)
        #expect(measure(.consecutiveFailures(3), flow(), streak)?.holds == false)
    }

    @Test func freshnessCountsFromTheLastSuccessOrFromWhenEvaluationBegan() {
        var metrics = flow()
        metrics.lastSuccessEnd = Int64((now - 7 * 3600) * 1000)
        #expect(measure(.maxSinceSuccess(seconds: 6 * 3600), metrics, windows([]))?.holds == true)
        metrics.lastSuccessEnd = Int64((now - 5 * 3600) * 1000)
        #expect(measure(.maxSinceSuccess(seconds: 6 * 3600), metrics, windows([]))?.holds == false)
        var evaluator = SLAConditionEvaluator()
        let fresh = SLAInputs(now: now, flows: [flow()], runs: windows([]), evaluatingSince: now - 3600)
        #expect(evaluator.measure(.maxSinceSuccess(seconds: 6 * 3600), flow: fresh.flows[0], inputs: fresh)?.holds == false)
    }

    @Test func maxQueuedMeasuresTheOldestQueuedRun() {
        var metrics = flow()
        metrics.queued = 2
        metrics.oldestQueuedCreated = Int64((now - 900) * 1000)
        #expect(measure(.maxQueued(seconds: 600), metrics, windows([]))?.value == 900)
        #expect(measure(.maxQueued(seconds: 600), metrics, windows([]))?.holds == true)
        #expect(measure(.maxQueued(seconds: 600), flow(), windows([]))?.holds == false)
    }

    @Test func aMissedScheduleIsDueAfterTheCadencePlusGrace() {
        let every = FlowSchedule(id: 1, flowId: 1, schedule: "3600")
        // Last run started 70 minutes ago; due at 60 + 5 grace.
        let late = windows([(70 * 60 - 30, .success, 30)])
        #expect(measure(.missedSchedule(grace: 300), flow(), late, schedules: [1: [every]])?.holds == true)
        let onTime = windows([(50 * 60, .success, 30)])
        #expect(measure(.missedSchedule(grace: 300), flow(), onTime, schedules: [1: [every]])?.holds == false)
        // An open run counts as started.
        var running = flow()
        running.newestOpenStart = Int64((now - 60) * 1000)
        #expect(measure(.missedSchedule(grace: 300), running, late, schedules: [1: [every]])?.holds == false)
        // Cron: every day at 02:00 UTC. The last run at 02:00 yesterday → due today 02:00 + grace.
        let calendar = Calendar(identifier: .gregorian)
        var utc = calendar
        utc.timeZone = TimeZone(identifier: "UTC")!
        let today2am = utc.date(bySettingHour: 2, minute: 0, second: 0, of: Date(timeIntervalSince1970: now))!
            .timeIntervalSince1970
        let cron = FlowSchedule(id: 2, flowId: 1, schedule: "0 0 2 * * ?")
        let yesterday = windows([(now - (today2am - 86400) - 60, .success, 60)])
        let expectedHolds = now > today2am + 600
        #expect(measure(.missedSchedule(grace: 600), flow(), yesterday, schedules: [1: [cron]])?.holds == expectedHolds)
        #expect(
            abs((measure(.missedSchedule(grace: 600), flow(), yesterday, schedules: [1: [cron]])?.threshold ?? 0) - 87000) < 1)
    }

    /// Issue #15: runs name the schedule that fired them (`eventId`), so each of a flow's
    /// schedules is judged by its own runs; without any `eventId`, by all the flow's runs.
    @Test func eachScheduleIsJudgedByTheRunsItFired() throws {
        let hourly = FlowSchedule(id: 11, flowId: 1, name: "hourly", schedule: "3600")
        let sixHourly = FlowSchedule(id: 12, flowId: 1, name: "six-hourly", schedule: "21600")
        // The flow's latest run started 30 minutes ago, fired by the hourly schedule; the
        // six-hourly one last fired 7 hours ago.
        let recent = windows([(30 * 60 - 30, .success, 30)])
        func measured(
            _ schedules: [FlowSchedule], starts: [Int64: Int64], strict: Bool = false, windows: RunWindows? = nil
        ) -> SLAMeasurement? {
            var inputs = inputs(flow(), windows ?? recent, schedules: [1: schedules])
            inputs.scheduledStarts = starts
            var evaluator = SLAConditionEvaluator()
            return evaluator.measure(.missedSchedule(grace: 300, strict: strict), flow: inputs.flows[0], inputs: inputs)
        }
        let fired: [Int64: Int64] = [11: Int64((now - 30 * 60) * 1000), 12: Int64((now - 7 * 3600) * 1000)]
        let missed = try #require(measured([hourly, sixHourly], starts: fired))
        #expect(missed.holds && missed.value == 7 * 3600 && missed.threshold == 6 * 3600 + 300)
        #expect(missed.detail?.hasPrefix("schedule six-hourly: no run started since") == true, "\(missed.detail ?? "")")
        // Without eventIds, the flow's latest run answers for both schedules.
        #expect(measured([hourly, sixHourly], starts: [:])?.holds == false)
        // A manual run a minute ago (no eventId) fires no schedule.
        #expect(measured([hourly, sixHourly], starts: fired, windows: windows([(90, .success, 30)]))?.holds == true)
        // The six-hourly schedule keeps no empty audits: judged only when strict.
        var quiet = sixHourly
        quiet.keepEmptyAudit = false
        #expect(measured([hourly, quiet], starts: fired)?.holds == false)
        #expect(measured([hourly, quiet], starts: fired, strict: true)?.holds == true)
        // A schedule that never fired a run we hold counts from when evaluation began.
        let never = FlowSchedule(id: 13, flowId: 1, name: "never", schedule: "86400")
        let unfired = try #require(measured([hourly, never], starts: [11: fired[11]!]))
        #expect(unfired.holds && unfired.value == 100 * 86400)
    }

    /// Issue #15: a schedule that keeps no audit of empty runs is not judged by missing runs
    /// unless the rule is strict; cron fires in the scheduler's zone.
    @Test func schedulesWithoutEmptyAuditsAreJudgedOnlyWhenStrictAndCronFiresInTheSchedulersZone() throws {
        var quiet = FlowSchedule(id: 1, flowId: 1, schedule: "3600")
        quiet.keepEmptyAudit = false
        let late = windows([(70 * 60 - 30, .success, 30)])
        #expect(measure(.missedSchedule(grace: 300), flow(), late, schedules: [1: [quiet]]) == nil)
        #expect(measure(.missedSchedule(grace: 300, strict: true), flow(), late, schedules: [1: [quiet]])?.holds == true)
        quiet.keepEmptyAudit = true
        #expect(measure(.missedSchedule(grace: 300), flow(), late, schedules: [1: [quiet]])?.holds == true)

        // Every day at 02:00 in the scheduler's zone, last run 25 h ago: the due time moves with the zone.
        let cron = FlowSchedule(id: 2, flowId: 1, schedule: "0 0 2 * * ?")
        var evaluator = SLAConditionEvaluator()
        var inputs = inputs(flow(), windows([(25 * 3600, .success, 60)]), schedules: [1: [cron]])
        let inUTC = evaluator.measure(.missedSchedule(grace: 0), flow: inputs.flows[0], inputs: inputs)
        let utc = try #require(inUTC)
        inputs.scheduleTimeZone = try #require(TimeZone(identifier: "Asia/Tokyo"))
        var other = SLAConditionEvaluator()
        let inTokyo = other.measure(.missedSchedule(grace: 0), flow: inputs.flows[0], inputs: inputs)
        let tokyo = try #require(inTokyo)
        #expect(
            abs((utc.threshold ?? 0) - (tokyo.threshold ?? 0)) > 3600, "UTC \(utc.threshold ?? 0), Tokyo \(tokyo.threshold ?? 0)")

        let loaded = try ConfigLoader(environment: [:]).load(
            yaml: "etlworks: {url: \"https://x\", api_key: k, scheduler_timezone: Asia/Tokyo}\n"
                + "sla:\n  - name: c\n    missed_schedule: {grace: 1m, strict: true}\n"
        ).get()
        #expect(loaded.sla.first?.condition == .missedSchedule(grace: 60, strict: true))
        #expect(loaded.api.schedulerTimeZone?.identifier == "Asia/Tokyo")
    }

    @Test func billingBreachesOnTheRatioAndOnAProjectedOverrun() throws {
        let start = now - 15 * 86400, end = now + 15 * 86400
        func billing(_ used: Int64) -> SLAMeasurement? {
            let subscription = Subscription(
                periodStart: Int64(start * 1000), periodEnd: Int64(end * 1000), monthlyAllowance: 1000,
                monthUsed: used)
            let inputs = SLAInputs(now: now, flows: [], runs: windows([]), subscription: subscription, evaluatingSince: 0)
            return SLAConditionEvaluator.measure(billing: 0.9, period: .month, inputs: inputs)
        }
        // Half the period gone, 40% used: projected 80%, fine.
        #expect(billing(400)?.holds == false)
        #expect(billing(400)?.projectedRatio == 0.8)
        // 60% used halfway: projected 120%, an overrun before the period ends.
        let overrun = try #require(billing(600))
        #expect(overrun.holds && overrun.value == 0.6)
        #expect(overrun.detail?.contains("runs out") == true)
        #expect(billing(950)?.holds == true)
    }

    @Test func objectivesBreachOnTheWorkbookBurnRatePairs() throws {
        // Target 99%: budget 1%. One error among 50 runs in the last hour (2%: burn 2) and
        // 1,000 clean runs over the month: no pair fires and the objective holds.
        var clean: [(Double, RunStatus, Double)] = (0..<1000).map { (Double($0) * 2400 + 7200, .success, 1) }
        clean += (0..<50).map { (Double($0) * 60 + 30, $0 == 0 ? .error : .success, 1) }
        let fine = try #require(measure(.objective(target: 0.99, window: 30 * 86400), flow(), windows(clean)))
        #expect(!fine.holds)
        #expect((fine.errorBudgetRemaining ?? 0) > 0)
        // Ten errors in the last 5 minutes: burn rate far over 14.4 in 5m and 1h.
        var burning = clean
        burning += (0..<10).map { (Double($0) * 20 + 5, .error, 1) }
        let fast = try #require(measure(.objective(target: 0.99, window: 30 * 86400), flow(), windows(burning)))
        #expect(fast.holds)
        let rates = try #require(fast.burnRates)
        #expect((rates[0] ?? 0) > 14.4 && (rates[2] ?? 0) > 14.4)
        #expect(fast.detail?.contains("1h") == true)
    }

    /// Issue #26: a flow with three runs a day cannot page on one failure with `min_runs`,
    /// and the pairs' factors follow the objective's window.
    @Test func minRunsKeepsAFewRunsADayFromPagingAndFactorsScaleWithTheWindow() throws {
        // Three runs a day for 30 days; the latest, 2 minutes ago, failed. Target 95%.
        let runs: [(Double, RunStatus, Double)] = (0..<90).map { (Double($0) * 28800 + 120, $0 == 0 ? .error : .success, 60) }
        let paged = try #require(measure(.objective(target: 0.95, window: 30 * 86400), flow(), windows(runs)))
        #expect(paged.holds, "one failed run makes the 1h and 5m windows burn 20x: a page without min_runs")
        let quiet = try #require(
            measure(.objective(target: 0.95, window: 30 * 86400, minRuns: 10), flow(), windows(runs)))
        #expect(!quiet.holds, "no long window holds 10 runs: 1h 1, 6h 1, 1d 3, 3d 9")
        #expect((quiet.errorBudgetRemaining ?? 0) > 0)

        // Over 7 days the fast pair fires at 14.4 x 7/30 = 3.36: one error in the last 5 minutes
        // among 20 runs of the last hour (burn 5 at 99%) pages a 7-day objective, not a 30-day one.
        var hourly: [(Double, RunStatus, Double)] = (0..<20).map { (Double($0) * 170 + 60, $0 == 0 ? .error : .success, 1) }
        hourly += (0..<400).map { (Double($0) * 1500 + 3600, .success, 1) }
        let month = try #require(measure(.objective(target: 0.99, window: 30 * 86400), flow(), windows(hourly)))
        #expect(!month.holds)
        let week = try #require(measure(.objective(target: 0.99, window: 7 * 86400), flow(), windows(hourly)))
        #expect(week.holds)
        #expect(week.detail?.contains("error budget of 7d burning over 3.36× in 1h and 5m") == true, "\(week.detail ?? "")")
        #expect(SLOBurnWindows.factor(SLOBurnWindows.pairs[0], window: 30 * 86400) == 14.4)
    }

    @Test func theStateMachineWaitsForForAndKeepsTheWorstValue() {
        var (state, transition) = SLAStateMachine.step(nil, holds: true, value: 5, now: 0, holdFor: 300, lowerIsWorse: false)
        #expect(state?.phase == .pending && transition == nil)
        (state, transition) = SLAStateMachine.step(state, holds: true, value: 6, now: 299, holdFor: 300, lowerIsWorse: false)
        #expect(state?.phase == .pending && transition == nil)
        (state, transition) = SLAStateMachine.step(state, holds: true, value: 7, now: 300, holdFor: 300, lowerIsWorse: false)
        #expect(state?.phase == .breaching && transition == .breached(at: 300) && state?.since == 0)
        (state, transition) = SLAStateMachine.step(state, holds: true, value: 9, now: 330, holdFor: 300, lowerIsWorse: false)
        (state, transition) = SLAStateMachine.step(state, holds: true, value: 8, now: 360, holdFor: 300, lowerIsWorse: false)
        #expect(state?.peak == 9)
        (state, transition) = SLAStateMachine.step(state, holds: false, value: 1, now: 390, holdFor: 300, lowerIsWorse: false)
        #expect(state == nil && transition == .resolved(at: 390))
        // A pending condition that clears never breached: no transition.
        let pending = SLAStateMachine.step(nil, holds: true, value: 1, now: 0, holdFor: 60, lowerIsWorse: false).state
        #expect(
            SLAStateMachine.step(pending, holds: false, value: 0, now: 30, holdFor: 60, lowerIsWorse: false).transition == nil)
        // For a ratio of good runs the worst is the lowest.
        var objective = SLAStateMachine.step(nil, holds: true, value: 0.98, now: 0, holdFor: 0, lowerIsWorse: true).state
        objective = SLAStateMachine.step(objective, holds: true, value: 0.95, now: 1, holdFor: 0, lowerIsWorse: true).state
        #expect(objective?.peak == 0.95)
    }

    @Test func globsMatchWholeNamesAndRejectBrokenPatterns() throws {
        #expect(try Glob("orders*").matches("orders load 4"))
        #expect(try !Glob("orders*").matches("my orders"))
        #expect(try Glob("*load ?").matches("orders load 4"))
        #expect(try Glob("[a-c]*").matches("billing") && !Glob("[!a-c]*").matches("billing"))
        #expect(try Glob(#"\*literal"#).matches("*literal") && !Glob(#"\*literal"#).matches("xliteral"))
        #expect(try Glob("*").matches(""))
        #expect(throws: GlobError.self) { try Glob("orders[a") }
        #expect(throws: GlobError.self) { try Glob("trailing\\") }
        #expect(throws: GlobError.self) { try Glob("[z-a]") }
        // Backtracking stays linear-ish: this would take ages with naive recursion.
        let hostile = String(repeating: "a", count: 5000)
        #expect(try !Glob(String(repeating: "*a", count: 50) + "b").matches(hostile))
    }

    @Test func cronExpressionsFireWhenTheyShould() throws {
        let utc = TimeZone(identifier: "UTC")!
        let base = ISO8601DateFormatter().date(from: "2026-11-27T10:07:13Z")!.timeIntervalSince1970
        func next(_ text: String, _ zone: TimeZone = TimeZone(identifier: "UTC")!) throws -> String? {
            try FlowCadence(schedule: text).next(after: base, in: zone).map {
                ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: $0))
            }
        }
        #expect(try next("0 */5 * * * ?") == "2026-11-27T10:10:00Z")
        #expect(try next("30 2 * * 1-5") == "2026-11-30T02:30:00Z") // Friday 10:07 → Monday
        #expect(try next("0 0 12 ? * SAT") == "2026-11-28T12:00:00Z")
        #expect(try next("0 0 0 1 * ?") == "2026-12-01T00:00:00Z")
        #expect(try next("0 15 10 * * ? 2027") == "2027-01-01T10:15:00Z")
        #expect(try next("600") == "2026-11-27T10:17:13Z")
        // Vixie cron: day of month OR day of week when both are given.
        #expect(try next("0 9 28 * MON") == "2026-11-28T09:00:00Z")
        // Local time: 02:30 in Berlin is 01:30 UTC in winter.
        #expect(try next("30 2 * * *", TimeZone(identifier: "Europe/Berlin")!) == "2026-11-28T01:30:00Z")
        _ = utc
        for bad in ["* * *", "0 0 32 * * ?", "0 0 L * * ?", "0 0 1W * * ?", "0 */0 * * * ?", "0 0 5-2 * * ?", "-5"] {
            #expect(throws: CronError.self, "\(bad)") { try FlowCadence(schedule: bad) }
        }
    }

    /// The arithmetic path agrees with the calendar wherever it answers, and the calendar
    /// decides across daylight-saving changes (random instants over four years, zones with
    /// changes of an hour and of half an hour, and one without).
    @Test func cronArithmeticAgreesWithTheCalendar() throws {
        let zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"].compactMap {
            TimeZone(identifier: $0)
        }
        let texts = [
            "0 0 * * * ?", "30 2 * * *", "0 */5 * * * ?", "15 1-3 * * SUN", "0 0 12 29 2 ?", "0 30 2 * 3 ?",
            "*/20 * 2 * * ?", "0 0 0 1 * ?", "0 9 28 * MON", "0 15 10 * * ? 2027"
        ]
        let expressions = try texts.map { try CronExpression($0) }
        var generator = SeededRandom(seed: 17)
        let from = 1_767_225_600.0 // 2026-01-01
        var answered = 0, mismatches: [String] = []
        for _ in 0..<4000 {
            let time = from + Double(generator.next() % (4 * 365 * 86400)) + Double(generator.next() % 1000) / 1000
            let zone = zones[Int(generator.next() % UInt64(zones.count))]
            let which = Int(generator.next() % UInt64(expressions.count))
            let expression = expressions[which]
            let byCalendar = expression.nextByCalendar(after: time, in: zone)
            if let fast = expression.nextAtSteadyOffset(after: time, in: zone) {
                answered += 1
                if fast != byCalendar {
                    mismatches.append("'\(texts[which])' \(zone.identifier) after \(time): \(fast), not \(byCalendar ?? -1)")
                }
            }
            if expression.next(after: time, in: zone) != byCalendar {
                mismatches.append("'\(texts[which])' \(zone.identifier) after \(time): next differs")
            }
        }
        #expect(mismatches.count == 0, "\(mismatches.prefix(3))")
        #expect(answered > 3000) // the arithmetic answers nearly always
        // Across a change it leaves the answer to the calendar: 02:30 on 2026-03-29 does not
        // exist in Berlin, so the next is 02:30 on the 30th (00:30 UTC).
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let beforeChange = ISO8601DateFormatter().date(from: "2026-03-28T12:00:00Z")!.timeIntervalSince1970
        let daily = try CronExpression("30 2 * * *")
        #expect(daily.nextAtSteadyOffset(after: beforeChange, in: berlin) == nil)
        #expect(
            daily.next(after: beforeChange, in: berlin).map { Date(timeIntervalSince1970: $0) }
                == ISO8601DateFormatter().date(from: "2026-03-30T00:30:00Z"))
    }

    /// (Foundation switches to the Julian calendar before 1582; RFC 3339 does not, so the checks start at 1601.)
    @Test func utcTimesMatchFoundationsFormatter() {
        let formatter = ISO8601DateFormatter()
        var generator = SystemRandomNumberGenerator()
        let fixed: [Double] = [0, -1, 951_782_400, 4_107_542_399, 1_796_000_000.999, -11_644_473_600]
        for seconds in fixed + (0..<500).map({ _ in Double.random(in: -2_000_000_000...5_000_000_000, using: &generator) }) {
            #expect(
                UTCTime.format(seconds) == formatter.string(from: Date(timeIntervalSince1970: seconds.rounded(.down))),
                "\(seconds)")
        }
    }

    @Test func sha256AndHMACMatchPublishedVectors() {
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // RFC 4231 test cases 1, 2 and 6 (a key longer than the block).
        #expect(
            SHA256.hex(SHA256.hmac(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            SHA256.hex(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            SHA256.hex(
                SHA256.hmac(
                    key: [UInt8](repeating: 0xaa, count: 131),
                    message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }
}
