import Alerting
import ExporterConfiguration
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import ExporterBase
@testable import ExporterCore
@testable import SLA

@Suite struct SLAConfigTests {
    let loader = ConfigLoader(environment: ["WEBHOOK_SECRET": "s3cret", "EMPTY": ""])
    let head = """
        etlworks:
          url: http://127.0.0.1:9
          api_key: k

        """

    @Test func theIssueExampleLoadsWithEveryCondition() throws {
        let config = try loader.load(
            yaml: head + """
                sla:
                  - name: nightly-loads-finish-in-an-hour
                    flows: {tags: [nightly]}
                    max_duration: 1h
                    severity: critical
                  - name: orders-error-rate
                    flows: {names: ["orders*"]}
                    error_rate: {max: 0.05, window: 24h, min_runs: 5}
                    for: 5m
                    severity: warning
                  - name: critical-flows-fresh
                    flows: {tags: [critical]}
                    max_since_success: 6h
                  - name: agents-online
                    agents: {names: ["*"]}
                    agent_offline: {for: 5m}
                  - name: allowance
                    tenant: true
                    billing_usage: {max_ratio: 0.9, period: month}
                  - name: p95
                    flows: {ids: [1007, 1014]}
                    duration_percentile: {p: 0.95, max: 30m, window: 7d}
                    labels: {team: data}
                    annotations: {runbook_url: "https://wiki/etl"}
                  - {name: queue, max_queued: 10m}
                  - {name: streak, consecutive_failures: 3}
                  - {name: cadence, missed_schedule: {grace: 10m}}
                  - {name: by-schedule, max_duration: schedule}
                  - {name: slo, objective: {target: 0.99, window: 30d}, severity: info}
                notifications:
                  alertmanager: {url: http://127.0.0.1:9093, resend_interval: 2m, labels: {job: etlworks, instance: "h:9720"}}
                  webhooks:
                    - {url: https://hooks.example.com/etl, secret: "${WEBHOOK_SECRET}"}
                health:
                  sla_critical: warn
                """
        ).get()
        #expect(config.sla.count == 11)
        #expect(config.sla[1].condition == .errorRate(max: 0.05, window: 86400, minRuns: 5))
        #expect(config.sla[1].holdFor == 300 && config.sla[1].severity == .warning)
        #expect(config.sla[3].condition == .agentOffline(for: 300))
        #expect(config.sla[4].target == .tenant)
        #expect(config.sla[5].target == .flows(FlowSelector(ids: [1007, 1014])))
        #expect(config.sla[5].labels == ["team": "data"] && config.sla[5].annotations["runbook_url"] == "https://wiki/etl")
        #expect(config.sla[6].target == .flows(FlowSelector()), "no target: every flow")
        #expect(config.sla[9].condition == .maxDuration(seconds: nil) && config.sla[9].needsSchedules)
        #expect(config.sla[10].condition == .objective(target: 0.99, window: 30 * 86400))
        #expect(config.notifications.alertmanager?.resendInterval == 120)
        #expect(config.notifications.alertmanager?.labels == ["job": "etlworks", "instance": "h:9720"])
        #expect(config.notifications.webhooks.first?.secret == "s3cret")
        #expect(config.slaHealth.critical == .warn && config.slaHealth.warning == .warn)
    }

    @Test func eachMistakeNamesTheRuleTheKeyAndTheLine() throws {
        let result = loader.load(
            yaml: head + """
                poll:
                  executions: 1m
                sla:
                  - name: unknown-condition
                    flows: {tags: [x]}
                    frobnicate: 3
                  - name: bad-glob
                    flows: {names: ["orders[a"]}
                    max_duration: 1h
                  - name: short-window
                    error_rate: {max: 0.1, window: 30s}
                  - name: bad-p
                    duration_percentile: {p: 1.2, max: 1m}
                  - name: wrong-target
                    agents: {names: ["*"]}
                    error_rate: {max: 0.1}
                  - name: two
                    max_queued: 1m
                    max_since_success: 1h
                  - name: two
                    max_queued: 1m
                  - name: empty-secret
                    max_queued: 1m
                notifications:
                  alertmanager: {url: http://127.0.0.1:9093, labels: {alertname: x, 2bad: y, __meta: z, team: ""}}
                  webhooks:
                    - {url: "ftp://x", secret: "${EMPTY}"}
                """)
        guard case .failure(let errors) = result else { Issue.record("expected errors"); return }
        func issue(_ key: String) -> ConfigIssue? { errors.issues.first { $0.key == key } }
        #expect(issue("sla[0] unknown-condition.frobnicate")?.message.contains("unknown key or condition") == true)
        #expect(issue("sla[0] unknown-condition.frobnicate")?.line == 9)
        #expect(issue("notifications.alertmanager.labels.alertname")?.message.contains("a label of the alert itself") == true)
        #expect(issue("notifications.alertmanager.labels.2bad")?.message.contains("not a valid label name") == true)
        #expect(issue("notifications.alertmanager.labels.__meta")?.message.contains("not a valid label name") == true)
        #expect(issue("notifications.alertmanager.labels.team")?.message.contains("non-empty") == true)
        #expect(issue("sla[1] bad-glob.flows.names")?.message.contains("orders[a") == true)
        #expect(issue("sla[2] short-window.error_rate.window")?.message.contains("shorter than poll.executions") == true)
        #expect(issue("sla[3] bad-p.duration_percentile.p")?.message.contains("outside (0.0, 1.0)") == true)
        #expect(issue("sla[4] wrong-target.error_rate")?.message.contains("does not apply to agent targets") == true)
        #expect(issue("sla[5] two")?.message.contains("2 conditions") == true)
        #expect(issue("sla[6] two.name")?.message.contains("earlier rule") == true)
        #expect(issue("notifications.webhooks[0].url") != nil)
        #expect(issue("notifications.webhooks[0].secret")?.message.contains("empty") == true)
    }

    @Test func streamConditionsLoadAndTheirMistakesAreNamed() throws {
        let config = try loader.load(
            yaml: head + """
                sla:
                  - {name: lag, flows: {kinds: [streaming]}, stream_latency: {max: 10m}}
                  - {name: stalled, stream_stalled: {for: 30m}, severity: critical}
                """
        ).get()
        #expect(config.sla.map(\.condition) == [.streamLatency(max: 600), .streamStalled(for: 1800)])
        let result = loader.load(
            yaml: head + """
                sla:
                  - {name: no-max, stream_latency: {}}
                  - {name: bad-for, stream_stalled: {for: soon}}
                  - {name: agents, agents: {names: ["*"]}, stream_stalled: {for: 5m}}
                """)
        guard case .failure(let errors) = result else { Issue.record("expected errors"); return }
        func issue(_ key: String) -> ConfigIssue? { errors.issues.first { $0.key == key } }
        #expect(issue("sla[0] no-max.stream_latency.max")?.message.contains("required") == true, "\(errors.issues)")
        #expect(issue("sla[1] bad-for.stream_stalled.for")?.line == 6, "\(errors.issues)")
        #expect(issue("sla[2] agents.stream_stalled")?.message.contains("does not apply to agent targets") == true)
    }

    @Test func aDeadlineLoadsAsTheIssueWritesItAndItsMistakesAreNamed() throws {
        let config = try loader.load(
            yaml: head + """
                sla:
                  - name: nightly-by-six
                    flows: {tags: [nightly]}
                    deadline: {at: "06:00", after: "00:00", timezone: Europe/Berlin, days: [mon, tue, wed, thu, fri], holidays: ["2026-12-25"]}
                  - {name: daily, deadline: {at: "07:30"}}
                """
        ).get()
        #expect(
            config.sla[0].condition
                == .deadline(
                    Deadline(
                        at: 21600, after: 0, timeZone: TimeZone(identifier: "Europe/Berlin"), days: Set(2...6),
                        holidays: ["2026-12-25"])))
        #expect(config.sla[1].condition == .deadline(Deadline(at: 27000)))
        let result = loader.load(
            yaml: head + """
                sla:
                  - {name: no-at, deadline: {after: "01:00"}}
                  - {name: bad-time, deadline: {at: "6am"}}
                  - {name: bad-zone, deadline: {at: "06:00", timezone: Mars/Olympus}}
                  - {name: bad-day, deadline: {at: "06:00", days: [mon, funday]}}
                  - {name: bad-date, deadline: {at: "06:00", holidays: ["2026-02-30"]}}
                """)
        guard case .failure(let errors) = result else { Issue.record("expected errors"); return }
        func issue(_ key: String) -> ConfigIssue? { errors.issues.first { $0.key == key } }
        #expect(issue("sla[0] no-at.deadline.at")?.message.contains("required") == true, "\(errors.issues)")
        #expect(issue("sla[1] bad-time.deadline.at")?.message.contains("HH:MM") == true)
        #expect(issue("sla[2] bad-zone.deadline.timezone")?.message.contains("Mars/Olympus") == true)
        #expect(issue("sla[3] bad-day.deadline.days")?.message.contains("funday") == true)
        #expect(issue("sla[4] bad-date.deadline.holidays")?.line == 9)
    }

    @Test func maintenanceWindowsLoadAsTheIssueWritesThemAndTheirMistakesAreNamed() throws {
        let config = try loader.load(
            yaml: head + """
                maintenance:
                  - {name: db-upgrade, start: "2026-12-24T22:00:00Z", end: "2026-12-25T02:00:00+01:00"}
                  - name: weekly-patching
                    flows: {tags: [warehouse], kinds: [scheduled]}
                    cron: "0 0 22 ? * SAT"
                    duration: 4h
                    timezone: Europe/Berlin
                """
        ).get()
        #expect(config.maintenance.count == 2)
        #expect(
            config.maintenance[0]
                == MaintenanceWindow(name: "db-upgrade", timing: .once(start: 1_798_149_600, end: 1_798_160_400)))
        #expect(
            config.maintenance[1]
                == MaintenanceWindow(
                    name: "weekly-patching", flows: FlowSelector(tags: ["warehouse"], kinds: [.scheduled]),
                    timing: .recurring(
                        cron: try FlowCadence(schedule: "0 0 22 ? * SAT"), duration: 14400,
                        timeZone: TimeZone(identifier: "Europe/Berlin"))))
        let result = loader.load(
            yaml: head + """
                maintenance:
                  - {start: "2026-12-24T22:00:00Z", end: "2026-12-25T02:00:00Z"}
                  - {name: backwards, start: "2026-12-25T02:00:00Z", end: "2026-12-24T22:00:00Z"}
                  - {name: not-a-time, start: "Christmas eve", end: "2026-12-25T02:00:00Z"}
                  - {name: both, start: "2026-12-24T22:00:00Z", end: "2026-12-25T02:00:00Z", cron: "0 0 22 * * ?", duration: 1h}
                  - {name: bad-cron, cron: "every night", duration: 1h}
                  - {name: no-duration, cron: "0 0 22 * * ?"}
                  - {name: bad-zone, cron: "0 0 22 * * ?", duration: 1h, timezone: Mars/Olympus}
                  - {name: typo, start: "2026-12-24T22:00:00Z", ends: "2026-12-25T02:00:00Z"}
                """)
        guard case .failure(let errors) = result else { Issue.record("expected errors"); return }
        func issue(_ key: String) -> ConfigIssue? { errors.issues.first { $0.key == key } }
        #expect(issue("maintenance[0].name")?.message.contains("required") == true, "\(errors.issues)")
        #expect(issue("maintenance[1] backwards.end")?.message.contains("after start") == true)
        #expect(issue("maintenance[2] not-a-time.start")?.message.contains("Christmas eve") == true)
        #expect(issue("maintenance[3] both")?.message.contains("both") == true)
        #expect(issue("maintenance[4] bad-cron.cron") != nil)
        #expect(issue("maintenance[5] no-duration.duration")?.message.contains("required") == true)
        #expect(issue("maintenance[6] bad-zone.timezone")?.message.contains("Mars/Olympus") == true)
        #expect(issue("maintenance[7] typo.ends")?.message.contains("unknown key") == true)
        #expect(issue("maintenance[7] typo.ends")?.line == 12)
        #expect(issue("maintenance[6] bad-zone.timezone")?.line == 11)
        let notAList = loader.load(yaml: head + "maintenance: {name: x}\n")
        guard case .failure(let listErrors) = notAList else { Issue.record("expected errors"); return }
        #expect(listErrors.issues.first { $0.key == "maintenance" }?.message.contains("list") == true)
    }

    @Test func theDeployExampleIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../deploy/etlworks-exporter.example.yaml"
        ).path
        let config = try ConfigLoader(environment: ["ETLWORKS_API_KEY": "k"]).load(path: path).get()
        #expect(config.sla.count == 5)
    }

    @Test func checkConfigPrintsTheSameErrorsAndExitsOne() async throws {
        let directory = try Tools.temporaryDirectory()
        let path = directory.appendingPathComponent("sla.yaml").path
        try
            (head + """
                sla:
                  - name: p-out-of-range
                    duration_percentile: {p: 0, max: 1m}
                """).write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await Tools.run(Tools.exporterBinary.path, ["check-config", "--config", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("sla[0] p-out-of-range.duration_percentile.p (line 6)"))
    }
}
