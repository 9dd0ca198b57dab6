import ExporterConfiguration
import Foundation
import SeriesQuery
import Store
import Testing

@testable import EtlworksAPI
@testable import ExporterBase
@testable import ExporterCore

@Suite struct ConfigTests {
    let loader = ConfigLoader(
        environment: ["ETLWORKS_API_KEY": "key-from-env", "EMPTY": ""],
        readFile: { path in
            guard path == "/secrets/password" else { throw CocoaError(.fileNoSuchFile) }
            return "pw-from-file\n"
        })

    /// A literal secret starting with `*` is read as an undefined alias, and Yams' error
    /// quoted the offending line: check-config, serve's start and the SIGHUP log printed the
    /// secret. The issue names the key and line, and no message holds a secret of the file.
    @Test func aYAMLErrorNamesTheKeyAndLineButNeverTheSecret() throws {
        let cases = [
            "etlworks:\n  url: http://x\n  api_key: k\nnotifications:\n  webhooks:\n    - url: http://h\n      secret: *Wh00k-S3cret-value\n",
            "etlworks:\n  url: http://x\n  api_key: *Wh00k-S3cret-value\n",
            "etlworks:\n  url: http://x\n  password: \"Wh00k-S3cret-value\n  username: u\n",
            "etlworks:\n  url: http://x\n  api_key: Wh00k-S3cret-value\n  api_key: Wh00k-S3cret-value\n  timeout: [\n"
        ]
        for yaml in cases {
            guard case .failure(let errors) = loader.load(yaml: yaml) else {
                Issue.record("loaded: \(yaml)")
                continue
            }
            #expect(!errors.description.contains("Wh00k"), "\(errors)")
            #expect(errors.issues.allSatisfy { $0.line != nil }, "\(errors)")
        }
        if case .failure(let errors) = loader.load(yaml: cases[0]) {
            #expect(errors.issues.first?.key == "notifications.webhooks.secret" && errors.issues.first?.line == 7, "\(errors)")
        }
        if case .failure(let errors) = loader.load(yaml: cases[1]) {
            #expect(errors.issues.first?.key == "etlworks.api_key", "\(errors)")
        }
        // A secret from the environment is scrubbed too, wherever a message would quote it.
        let env = ConfigLoader(environment: ["K": "env-Wh00k-S3cret"])
        if case .failure(let errors) = env.load(yaml: "etlworks:\n  url: ${K}\n  api_key: ${K}\n") {
            #expect(!errors.description.contains("Wh00k"), "\(errors)")
        }
    }

    @Test func theIssueExampleLoads() throws {
        let config = try loader.load(
            yaml: """
                etlworks:
                  url: https://app.etlworks.com          # "/rest" added when missing
                  api_key: ${ETLWORKS_API_KEY}
                  timeout: 10s
                  max_requests_per_second: 5
                poll:
                  executions: 30s
                  flows: 5m
                  summary: 1m
                  agents: 1m
                  billing: 1h
                  health: 30s
                  backfill: 7d
                storage:
                  path: ./etlworks-exporter.db
                web:
                  listen_address: 127.0.0.1:9720
                """
        ).get()
        guard case .apiKey(let key) = config.api.credentials else { Issue.record("expected an API key"); return }
        #expect(key == "key-from-env")
        #expect(config.poll.flows == 300)
        #expect(config.poll.backfill == 7 * 86400)
        #expect(config.api.timeout == 10)
        #expect(
            ClientConfiguration(baseURL: config.api.url, credentials: config.api.credentials).restBaseURL.absoluteString
                == "https://app.etlworks.com/rest")
    }

    @Test func everyProblemIsReportedWithKeyAndLine() {
        let result = loader.load(
            yaml: """
                etlworks:
                  url: ftp://nope
                  api_key: k
                  timeot: 10s
                poll:
                  executions: 30 seconds
                  flows: 500ms
                webb:
                  listen_address: x
                """)
        guard case .failure(let errors) = result else { Issue.record("expected errors"); return }
        let byKey = Dictionary(errors.issues.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byKey["etlworks.url"]?.line == 2)
        #expect(byKey["etlworks.timeot"]?.line == 4)
        #expect(byKey["etlworks.timeot"]?.message.contains("unknown key") == true)
        #expect(byKey["poll.executions"]?.line == 6)
        #expect(byKey["poll.executions"]?.message.contains("not a duration") == true)
        #expect(byKey["poll.flows"]?.message.contains("between 1s and 7d") == true)
        #expect(byKey["webb"]?.line == 8)
        #expect(errors.issues.count == 5)
    }

    @Test func retentionPerTierAndQueryLimits() throws {
        let config = try loader.load(
            yaml: """
                etlworks: {url: "http://x", api_key: k}
                storage:
                  retention: {raw: 2d, 5m: 30d, 1h: 1y}
                query: {max_points: 500, max_series: 10}
                """
        ).get()
        #expect(config.storage.retention.retention(of: .raw) == 2 * 86400)
        #expect(config.storage.retention.retention(of: .fiveMinutes) == 30 * 86400)
        #expect(config.storage.retention.retention(of: .hour) == 365 * 86400)
        #expect(config.storage.retention.retention(of: .day) == 5 * 365 * 86400) // the default
        #expect(config.query.maxPoints == 500 && config.query.maxSeries == 10)
        guard
            case .failure(let errors) = loader.load(
                yaml: """
                    etlworks: {url: "http://x", api_key: k}
                    storage:
                      retention:
                        raw: forever
                        2h: 1d
                        1d: 10m
                    query: {max_points: 0}
                    """)
        else { Issue.record("expected errors"); return }
        let byKey = Dictionary(errors.issues.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byKey["storage.retention.raw"]?.line == 4)
        #expect(byKey["storage.retention.2h"]?.message.contains("unknown key") == true)
        #expect(byKey["storage.retention.1d"]?.message.contains("between 1h and") == true)
        #expect(byKey["query.max_points"] != nil)
        #expect(errors.issues.count == 4)
        guard
            case .failure(let scalar) = loader.load(yaml: "etlworks: {url: \"http://x\", api_key: k}\nstorage: {retention: 7d}\n")
        else {
            Issue.record("expected errors"); return
        }
        #expect(scalar.issues.first?.key == "storage.retention")
    }

    @Test func missingRequiredValuesAreNamed() {
        guard case .failure(let errors) = loader.load(yaml: "poll:\n  executions: 1s\n") else {
            Issue.record("expected errors"); return
        }
        #expect(Set(errors.issues.map(\.key)) == ["etlworks.url", "etlworks.api_key"])
    }

    @Test func unsetEnvironmentVariableIsAnErrorNamingIt() {
        guard case .failure(let errors) = loader.load(yaml: "etlworks:\n  url: http://x\n  api_key: ${NOPE}\n") else {
            Issue.record("expected errors"); return
        }
        #expect(errors.issues.first?.key == "etlworks.api_key")
        #expect(errors.issues.first?.message.contains("NOPE") == true)
        guard case .failure(let empty) = loader.load(yaml: "etlworks:\n  url: http://x\n  api_key: ${EMPTY}\n") else {
            Issue.record("expected errors"); return
        }
        #expect(empty.issues.first?.message == "is empty")
    }

    @Test func loginWithPasswordFile() throws {
        let config = try loader.load(
            yaml: """
                etlworks: {url: "http://h:8080/rest", username: ops, password_file: /secrets/password}
                """
        ).get()
        guard case .login(let user, let password) = config.api.credentials else { Issue.record("expected a login"); return }
        #expect(user == "ops" && password == "pw-from-file")
    }

    @Test func conflictingOrIncompleteCredentialsAreRejected() {
        for yaml in [
            "etlworks: {url: http://h, api_key: k, api_key_file: /f}",
            "etlworks: {url: http://h, username: u}",
            "etlworks: {url: http://h, password: p}",
            "etlworks: {url: http://h, api_key: k, username: u, password: p}",
            "etlworks: {url: http://h, password_file: /missing, username: u}"
        ] {
            guard case .failure = loader.load(yaml: yaml) else { Issue.record("accepted: \(yaml)"); continue }
        }
    }

    @Test func syntaxErrorsCarryALine() {
        guard case .failure(let errors) = loader.load(yaml: "etlworks:\n  url: [unclosed\n") else {
            Issue.record("expected errors"); return
        }
        #expect(errors.issues.first?.key == "(syntax)")
        #expect(errors.issues.first?.line != nil)
    }

    @Test func durations() {
        #expect(DurationText.seconds("500ms") == 0.5)
        #expect(DurationText.seconds("2s") == 2)
        #expect(DurationText.seconds("5m") == 300)
        #expect(DurationText.seconds("1h30m") == 5400)
        #expect(DurationText.seconds("7d") == 604_800)
        #expect(DurationText.seconds("15") == 15)
        #expect(DurationText.seconds("5 m") == nil)
        #expect(DurationText.seconds("m5") == nil)
        #expect(DurationText.seconds("5x") == nil)
        #expect(DurationText.seconds("-5s") == nil)
        #expect(DurationText.format(300) == "5m")
        #expect(DurationText.format(0.5) == "500ms")
    }

    @Test func listenAddresses() {
        #expect(ListenAddress("127.0.0.1:9720") == ListenAddress("127.0.0.1:9720"))
        #expect(ListenAddress("[::1]:9720")?.host == "::1")
        #expect(ListenAddress(":9720")?.host == "0.0.0.0")
        #expect(ListenAddress("localhost") == nil)
        #expect(ListenAddress("h:70000") == nil)
    }

    @Test func pollScheduleBacksOffAndHonoursRetryAfter() {
        #expect(PollSchedule.delay(interval: 30, consecutiveFailures: 0, retryAfter: nil, unit: 0.5) == 30)
        #expect(PollSchedule.delay(interval: 30, consecutiveFailures: 1, retryAfter: nil, unit: 0.5) == 60)
        #expect(PollSchedule.delay(interval: 30, consecutiveFailures: 3, retryAfter: nil, unit: 0.5) == 240)
        #expect(PollSchedule.delay(interval: 30, consecutiveFailures: 9, retryAfter: nil, unit: 0.5) == 480)
        #expect(PollSchedule.delay(interval: 3600, consecutiveFailures: 2, retryAfter: nil, unit: 0.5) == 3600)
        #expect(PollSchedule.delay(interval: 30, consecutiveFailures: 1, retryAfter: 120, unit: 0.5) == 120)
        #expect(PollSchedule.delay(interval: 30, consecutiveFailures: 0, retryAfter: nil, unit: 0) == 27)
        #expect(PollSchedule.delay(interval: 30, consecutiveFailures: 0, retryAfter: nil, unit: 1) == 33)
    }

    @Test func tenantDaysCoverYesterdayNearMidnightAndGaps() throws {
        let days = TenantDays(timeZone: TimeZone(identifier: "Europe/Berlin")!)
        let formatter = ISO8601DateFormatter()
        let justAfterMidnight = formatter.date(from: "2026-11-29T23:30:00Z")! // 00:30 in Berlin on the 30th
        #expect(
            days.daysToPoll(now: justAfterMidnight, lastPolled: justAfterMidnight, backfill: 7 * 86400, grace: 7200)
                .map(days.label) == ["2026-11-29", "2026-11-30"])
        let midday = formatter.date(from: "2026-11-30T11:00:00Z")!
        #expect(
            days.daysToPoll(now: midday, lastPolled: midday, backfill: 7 * 86400, grace: 7200).map(days.label) == ["2026-11-30"])
        let threeDaysAgo = formatter.date(from: "2026-11-27T11:00:00Z")!
        #expect(days.daysToPoll(now: midday, lastPolled: threeDaysAgo, backfill: 7 * 86400, grace: 7200).count == 4)
        #expect(
            days.daysToPoll(now: midday, lastPolled: nil, backfill: 2 * 86400, grace: 7200).map(days.label)
                == ["2026-11-28", "2026-11-29", "2026-11-30"])
    }

    @Test func withTheZoneUnknownEveryCurrentDateIsPolled() throws {
        let days = TenantDays(timeZone: nil)
        let formatter = ISO8601DateFormatter()
        let evening = formatter.date(from: "2026-11-29T20:00:00Z")! // already the 30th from UTC+4 on
        #expect(
            days.daysToPoll(now: evening, lastPolled: evening, backfill: 86400, grace: 7200).map(days.label)
                == ["2026-11-29", "2026-11-30"])
        let morning = formatter.date(from: "2026-11-30T03:00:00Z")! // still the 29th down to UTC-3
        #expect(
            days.daysToPoll(now: morning, lastPolled: morning, backfill: 86400, grace: 7200).map(days.label)
                == ["2026-11-29", "2026-11-30"])
        let lateMorning = formatter.date(from: "2026-11-30T10:30:00Z")! // the 30th from UTC-10 to UTC+13
        #expect(
            days.daysToPoll(now: lateMorning, lastPolled: lateMorning, backfill: 86400, grace: 7200).map(days.label)
                == ["2026-11-30"])
        let noon = formatter.date(from: "2026-11-30T12:00:00Z")! // already December 1st at UTC+12
        #expect(
            days.daysToPoll(now: noon, lastPolled: noon, backfill: 86400, grace: 7200).map(days.label)
                == ["2026-11-30", "2026-12-01"])
        #expect(days.latestDay(now: evening) == days.start(of: formatter.date(from: "2026-11-30T00:00:00Z")!))
    }
}
