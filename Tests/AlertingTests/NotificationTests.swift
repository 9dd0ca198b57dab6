import EtlworksAPI
import ExporterBase
import Foundation
import Logging
import TestSupport
import Testing
import Vocabulary

@testable import Alerting
@testable import SLA

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Webhooks against a receiver over loopback, and a real Alertmanager.
@Suite(.serialized) struct NotificationTests {
    /// A clock the test moves by hand.
    final class ManualClock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Double
        init(start: Double = 1_790_000_000) { value = start }
        var now: Double { lock.withLock { value } }
        func advance(_ seconds: Double) { lock.withLock { value += seconds } }
    }

    static let flowName = "orders \"load\" \\ {1}"

    func alert(_ rule: String = "orders-error-rate", endsAt: Double? = nil, flowId: Int64 = 1007) -> SLAAlert {
        SLAAlert(
            rule: rule, severity: .critical, condition: "error_rate",
            target: SLATarget(kind: .flow, id: flowId, name: Self.flowName),
            value: 0.4, threshold: 0.05, detail: "4 of 10 runs failed in 1h", startsAt: 1_790_000_000 - 60, endsAt: endsAt,
            labels: ["team": "data"], annotations: ["runbook_url": "https://wiki/etl"])
    }

    func dispatcher(_ config: NotificationConfig, clock: ManualClock) -> NotificationDispatcher {
        NotificationDispatcher(
            config: config, onStats: nil, generatorURL: "http://127.0.0.1:9720/sla",
            logger: Logger(label: "test"), clock: { clock.now })
    }

    /// HMAC computed by Python's hmac module, independently of the exporter's SHA-256.
    func pythonSignature(_ body: Data, secret: String) async throws -> String {
        let script =
            "import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())"
        return try await Tools.run("/usr/bin/python3", ["-c", script, secret], input: body).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    @Test(.requires("python3")) func webhookEventsAreSignedRetriedWithBackoffAndDeliveredInOrder() async throws {
        let receiver = try await WebhookReceiver.start(statuses: [500, 503])
        var config = NotificationConfig()
        config.webhooks = [NotificationConfig.Webhook(url: receiver.url, secret: "s3cret")]
        let clock = ManualClock()
        let dispatcher = dispatcher(config, clock: clock)
        await dispatcher.deliver(changes: [alert()], active: [alert()])
        await dispatcher.deliver(changes: [alert(endsAt: clock.now + 30)], active: [])
        await dispatcher.tickAndWait() // attempt 1: 500, next in 1 s
        #expect(await receiver.received.count == 1)
        clock.advance(0.5)
        await dispatcher.tickAndWait() // not due yet
        #expect(await receiver.received.count == 1)
        clock.advance(0.5)
        await dispatcher.tickAndWait() // attempt 2: 503, next in 2 s
        #expect(await receiver.received.count == 2)
        clock.advance(1.9)
        await dispatcher.tickAndWait()
        #expect(await receiver.received.count == 2)
        clock.advance(0.1)
        await dispatcher.tickAndWait() // attempt 3 succeeds, and the resolution follows
        let received = await receiver.received
        #expect(received.count == 4)
        let events = try received.map { try JSONSerialization.jsonObject(with: $0.body) as? [String: Any] ?? [:] }
        #expect(events.map { $0["event"] as? String } == ["breach", "breach", "breach", "resolve"])
        #expect((events[3]["target"] as? [String: Any])?["name"] as? String == Self.flowName)
        #expect(events[3]["ends_at"] != nil && events[0]["ends_at"] == nil)
        #expect(events[0]["value"] as? Double == 0.4 && events[0]["threshold"] as? Double == 0.05)
        for item in received {
            let signature = try #require(item.headers["x-signature-sha256"])
            await #expect(signature == (try pythonSignature(item.body, secret: "s3cret")))
        }
        let stats = await dispatcher.statistics()["webhook[0]"]
        #expect(stats?.sent == 2 && stats?.failed == 2 && stats?.dropped == 0 && stats?.queued == 0)
    }

    @Test func theQueueIsBoundedAndAnEventIsDroppedAfterItsLastAttempt() async throws {
        var config = NotificationConfig()
        let closed = URL(string: "http://127.0.0.1:\(try Tools.freePort())/hook")!
        config.webhooks = [NotificationConfig.Webhook(url: closed, secret: nil, timeout: 2, maxAttempts: 2)]
        config.queueCapacity = 2
        let clock = ManualClock()
        let dispatcher = dispatcher(config, clock: clock)
        await dispatcher.deliver(changes: [alert("a"), alert("b"), alert("c")], active: [])
        var stats = await dispatcher.statistics()["webhook[0]"]
        #expect(stats?.dropped == 1 && stats?.queued == 2, "the oldest event makes room")
        await dispatcher.tickAndWait()
        clock.advance(1)
        await dispatcher.tickAndWait() // second and last attempt for "b"
        stats = await dispatcher.statistics()["webhook[0]"]
        #expect(stats?.failed == 2 && stats?.dropped == 2 && stats?.queued == 1)
    }

    /// A transport whose first post waits until released: a send in flight.
    actor GatedTransport: NotificationTransport {
        var posted: [String] = []
        private var gate: CheckedContinuation<Void, Never>?
        private var held = false

        func post(_ url: URL, body: Data, headers: [String: String], timeout: Double) async throws -> Int {
            let event = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            posted.append(event?["sla"] as? String ?? "?")
            if !held {
                held = true
                await withCheckedContinuation { gate = $0 }
            }
            return 200
        }

        var waiting: Bool { gate != nil }
        func release() { gate?.resume(); gate = nil }
    }

    /// Events that arrive while a send is in flight and the queue is full: each event reaches
    /// the receiver or is reported dropped (by name, in the log), never both and never
    /// neither. The queue used to drop the event being sent and then remove another one, never
    /// sent and never reported, when the send returned.
    @Test func aFullQueueWhileASendIsInFlightLosesNoEventSilently() async throws {
        var config = NotificationConfig()
        config.webhooks = [NotificationConfig.Webhook(url: URL(string: "http://127.0.0.1:9/hook")!)]
        config.queueCapacity = 2
        let transport = GatedTransport()
        let capture = LogCapture()
        let dispatcher = NotificationDispatcher(
            config: config, transport: transport, onStats: nil, generatorURL: nil, logger: capture.logger,
            clock: { 1_790_000_000 })
        await dispatcher.deliver(changes: [alert("a")], active: [])
        let sending = Task { await dispatcher.tickAndWait() }
        while !(await transport.waiting) { try await Task.sleep(for: .milliseconds(5)) }
        await dispatcher.deliver(changes: [alert("b")], active: [])
        await dispatcher.deliver(changes: [alert("c")], active: [])
        await transport.release()
        await sending.value
        await dispatcher.tickAndWait()
        await dispatcher.tickAndWait()
        let delivered = await transport.posted
        let dropped = capture.all.split(separator: "\n").filter { $0.contains("Dropped an SLA webhook event") }
            .compactMap { line in ["a", "b", "c"].first { line.contains("\"sla\": \($0),") || line.contains("\"sla\": \($0)]") } }
        #expect(Set(delivered).count == delivered.count, "nothing sent twice: \(delivered)")
        #expect(Set(delivered).isDisjoint(with: dropped), "delivered and reported dropped: \(delivered) \(dropped)")
        #expect(Set(delivered).union(dropped) == ["a", "b", "c"], "delivered \(delivered), reported dropped \(dropped)")
        #expect(await dispatcher.statistics()["webhook[0]"]?.dropped == Int64(dropped.count))
    }

    /// Posts to Alertmanager answer at once; posts to any webhook hang until released.
    actor HangingWebhooks: NotificationTransport {
        var alertmanagerPosts = 0
        var webhookPosts = 0
        private var gates: [CheckedContinuation<Void, Never>] = []

        func post(_ url: URL, body: Data, headers: [String: String], timeout: Double) async throws -> Int {
            if url.path.hasSuffix("/api/v2/alerts") {
                alertmanagerPosts += 1
                return 200
            }
            webhookPosts += 1
            await withCheckedContinuation { gates.append($0) }
            return 200
        }

        func release() {
            for gate in gates { gate.resume() }
            gates = []
        }
    }

    /// The dispatcher's tick sent to Alertmanager, then drained every webhook in turn: one
    /// hanging webhook held the tick, Alertmanager got no re-send, and after 4 × resend_interval
    /// every SLA alert resolved mid-incident. Each receiver is now sent to on its own.
    @Test func aHangingWebhookNeverDelaysAlertmanagersResends() async throws {
        var config = NotificationConfig()
        config.alertmanager = NotificationConfig.Alertmanager(url: URL(string: "http://127.0.0.1:9")!, resendInterval: 60)
        config.webhooks = [
            NotificationConfig.Webhook(url: URL(string: "http://127.0.0.1:9/one")!),
            NotificationConfig.Webhook(url: URL(string: "http://127.0.0.1:9/two")!)
        ]
        let transport = HangingWebhooks()
        let clock = ManualClock()
        let dispatcher = NotificationDispatcher(
            config: config, transport: transport, onStats: nil, generatorURL: nil, logger: Logger(label: "test"),
            clock: { clock.now })
        await dispatcher.deliver(changes: [alert()], active: [alert()])
        func waitFor(_ what: String, _ condition: @Sendable () async -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while !(await condition()) {
                guard ContinuousClock.now < deadline else {
                    Issue.record("\(what) did not happen within 10 s")
                    return
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        await dispatcher.tick()
        try await waitFor("both webhooks posted") { await transport.webhookPosts == 2 }
        try await waitFor("the first Alertmanager post") { await transport.alertmanagerPosts == 1 }
        for resend in 2...4 {
            clock.advance(60)
            await dispatcher.tick()
            try await waitFor("Alertmanager re-send \(resend)") { await transport.alertmanagerPosts == resend }
        }
        #expect(await transport.webhookPosts == 2, "a webhook with a post in flight gets no second one")
        await transport.release()
        await dispatcher.idle()
        #expect(await dispatcher.statistics()["webhook[1]"]?.sent == 1)
    }

    /// A receiver that answers one byte a second never tripped FoundationNetworking's idle
    /// timer; the timeout now bounds the whole transfer. A redirect to another origin is not
    /// followed (URLSession would repeat the signed body there) and counts as a failure.
    @Test(.requires("python3")) func aTricklingReceiverIsCutOffAtItsTimeout() async throws {
        let server = try await SlowReceiver.start(trickleBytes: 60)
        defer { server.stop() }
        let port = server.port
        let transport = URLSessionNotificationTransport()
        // Without a deadline on the whole transfer the 60 bytes arrive and the post succeeds.
        await #expect(throws: (any Error).self) {
            _ = try await transport.post(
                URL(string: "http://127.0.0.1:\(port)/trickle")!, body: Data("{}".utf8), headers: [:], timeout: 2)
        }

        let elsewhere = try await WebhookReceiver.start()
        let redirecting = try await RecordingServer.start { _ in (307, ["Location": elsewhere.url.absoluteString], "") }
        let status = try await transport.post(
            redirecting.url.appendingPathComponent("hook"), body: Data("{}".utf8), headers: [:], timeout: 5)
        #expect(status == 307)
        #expect(await elsewhere.received.isEmpty, "the signed body never reached another origin")
    }

    @Test func aPasswordInAReceiverURLAppearsInNoLogOrError() async throws {
        let capture = LogCapture()
        var config = NotificationConfig()
        let port = try Tools.freePort()
        config.alertmanager = NotificationConfig.Alertmanager(url: URL(string: "http://ops:hunter2-am@127.0.0.1:\(port)")!)
        config.webhooks = [
            NotificationConfig.Webhook(
                url: URL(string: "http://hook:hunter2-hook@127.0.0.1:\(port)/x")!,
                secret: nil, timeout: 2, maxAttempts: 1)
        ]
        let dispatcher = NotificationDispatcher(config: config, onStats: nil, generatorURL: nil, logger: capture.logger)
        await dispatcher.deliver(changes: [alert()], active: [alert()])
        await dispatcher.tickAndWait()
        let stats = await dispatcher.statistics()
        #expect(stats["alertmanager"]?.failed == 1 && stats["webhook[0]"]?.dropped == 1)
        let text = capture.all + "\(stats)"
        #expect(!text.contains("hunter2"), "\(text)")
        #expect(text.contains("Alertmanager did not take"))
    }

    /// deploy/alertmanager.example.yml, as shipped.
    static func shippedAlertmanagerConfig() throws -> String {
        try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("deploy/alertmanager.example.yml"), encoding: .utf8)
    }

    /// Posts alerts to Alertmanager as Prometheus does; its HTTP status.
    func postAsPrometheus(_ alerts: [[String: Any]], to base: URL) async throws -> Int? {
        var request = URLRequest(url: base.appendingPathComponent("api/v2/alerts"), timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: alerts)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode
    }

    /// The labels of the alerts Alertmanager lists for `query` (`active=true&inhibited=false`, …).
    func alertLabels(_ base: URL, _ query: String) async throws -> [[String: String]] {
        let (_, data, _) = try await HTTP.get(URL(string: base.absoluteString + "/api/v2/alerts?" + query)!)
        return (try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []).map {
            $0["labels"] as? [String: String] ?? [:]
        }
    }

    /// A real Alertmanager with `configuration` (a blackhole receiver by default), until the
    /// returned process is terminated.
    func startAlertmanager(configuration: String? = nil) async throws -> (Process, URL) {
        let directory = try Tools.temporaryDirectory()
        let port = try Tools.freePort()
        let configFile = directory.appendingPathComponent("alertmanager.yml")
        try
            (configuration ?? """
                route:
                  receiver: blackhole
                  group_wait: 1s
                receivers:
                  - name: blackhole
                """).write(to: configFile, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Tools.which("prometheus-alertmanager"))
        process.arguments = [
            "--config.file=\(configFile.path)", "--storage.path=\(directory.path)",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address="
        ]
        let log = directory.appendingPathComponent("alertmanager.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let base = URL(string: "http://127.0.0.1:\(port)")!
        let deadline = Date().addingTimeInterval(30)
        while (try? await HTTP.get(base.appendingPathComponent("-/ready")).0) != 200 {
            guard Date() < deadline else {
                process.terminate()
                throw HarnessError("alertmanager did not start: \(try String(contentsOf: log, encoding: .utf8))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return (process, base)
    }

    @Test(.requires("prometheus-alertmanager")) func aRealAlertmanagerReceivesTheBreachAndItsResolution() async throws {
        let (process, base) = try await startAlertmanager()
        defer { process.terminate() }

        var config = NotificationConfig()
        config.alertmanager = NotificationConfig.Alertmanager(url: base, resendInterval: 1)
        // Starts at real time (Alertmanager judges startsAt and endsAt by its own clock) but
        // moves only when told: a loaded machine must not make a resend due early.
        let clock = ManualClock(start: Date().timeIntervalSince1970)
        let dispatcher = dispatcher(config, clock: clock)
        await dispatcher.deliver(changes: [alert()], active: [alert()])
        await dispatcher.tickAndWait()
        let stats = await dispatcher.statistics()
        #expect(stats["alertmanager"]?.sent == 1, "\(stats)")

        func alerts() async throws -> [[String: Any]] {
            let (status, data, _) = try await HTTP.get(base.appendingPathComponent("api/v2/alerts"))
            #expect(status == 200)
            return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        }
        let active = try await alerts()
        #expect(active.count == 1)
        let labels = active.first?["labels"] as? [String: String] ?? [:]
        #expect(labels["alertname"] == "EtlworksSLABreachPushed")
        #expect(labels["sla"] == "orders-error-rate" && labels["severity"] == "critical" && labels["team"] == "data")
        #expect(labels["flow_id"] == "1007" && labels["flow_name"] == Self.flowName)
        let annotations = active.first?["annotations"] as? [String: String] ?? [:]
        #expect(annotations["description"] == "4 of 10 runs failed in 1h" && annotations["value"] == "0.4")
        #expect(annotations["runbook_url"] == "https://wiki/etl")
        #expect((active.first?["status"] as? [String: Any])?["state"] as? String == "active")

        // Re-sent while active: once per resend interval, without a change.
        await dispatcher.tickAndWait()
        #expect(await dispatcher.statistics()["alertmanager"]?.sent == 1)
        clock.advance(1.1)
        await dispatcher.tickAndWait()
        #expect(await dispatcher.statistics()["alertmanager"]?.sent == 2)

        // Resolved: sent with endsAt now, and Alertmanager no longer lists it as active.
        await dispatcher.deliver(changes: [alert(endsAt: Date().timeIntervalSince1970)], active: [])
        await dispatcher.tickAndWait()
        #expect(await dispatcher.statistics()["alertmanager"]?.sent == 3)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await alerts().isEmpty)
    }

    /// The shipped kit with both paths on: the rule's alert (as Prometheus posts it) and the
    /// exporter's push for the same breaches reach the Alertmanager of
    /// deploy/alertmanager.example.yml; one alert per (rule, target) is active, the pushed one
    /// inhibited. Pushed alerts carry the configured labels and the API's agent id.
    @Test(.requires("prometheus-alertmanager")) func aBreachIsOneActiveAlertInTheShippedAlertmanager() async throws {
        let (process, base) = try await startAlertmanager(configuration: try Self.shippedAlertmanagerConfig())
        defer { process.terminate() }

        var config = NotificationConfig()
        config.alertmanager = NotificationConfig.Alertmanager(url: base, resendInterval: 60)
        config.alertmanager?.labels = ["job": "etlworks", "instance": "exporter:9720", "team": "ignored-by-the-rule's"]
        let clock = ManualClock(start: Date().timeIntervalSince1970)
        let dispatcher = dispatcher(config, clock: clock)
        var agent = alert("agents-online")
        agent.target = SLATarget(kind: .agent, id: 4_711, name: "eu-1", externalId: "agent-eu-1")
        let pushed = [alert(), alert("orders-duration"), agent]
        await dispatcher.deliver(changes: pushed, active: pushed)
        await dispatcher.tickAndWait()
        #expect(await dispatcher.statistics()["alertmanager"]?.sent == 1)

        // What Prometheus sends for the rule EtlworksSLABreach over etlworks_sla_breach.
        let now = Date().timeIntervalSince1970
        let fromRule: [[String: Any]] = [
            ["sla": "orders-error-rate", "flow_id": "1007"], ["sla": "orders-duration", "flow_id": "1007"],
            ["sla": "agents-online", "agent_id": "agent-eu-1"]
        ].map { target in
            [
                "labels": target.merging([
                    "alertname": "EtlworksSLABreach", "severity": "critical", "job": "etlworks", "instance": "exporter:9720"
                ]) { own, _ in own },
                "startsAt": UTCTime.format(now - 30), "endsAt": UTCTime.format(now + 300)
            ]
        }
        #expect(try await postAsPrometheus(fromRule, to: base) == 200)
        func alerts(_ query: String) async throws -> [[String: String]] { try await alertLabels(base, query) }
        let pages = try await alerts("active=true&inhibited=false&silenced=false")
        let breaches = pages.map { [$0["sla"] ?? "", $0["flow_id"] ?? $0["agent_id"] ?? ""] }
        #expect(breaches.count == 3 && Set(breaches).count == 3, "one alert per (rule, target): \(pages)")
        #expect(pages.allSatisfy { $0["alertname"] == "EtlworksSLABreach" })
        let inhibited = try await alerts("active=false&inhibited=true")
        #expect(inhibited.count == 3 && inhibited.allSatisfy { $0["alertname"] == "EtlworksSLABreachPushed" }, "\(inhibited)")
        let pushedAgent = inhibited.first { $0["sla"] == "agents-online" }
        #expect(pushedAgent?["agent_id"] == "agent-eu-1" && pushedAgent?["agent_name"] == "eu-1")
        #expect(inhibited.allSatisfy { $0["job"] == "etlworks" && $0["instance"] == "exporter:9720" })
        #expect(inhibited.allSatisfy { $0["team"] == "data" }, "the rule's own labels win over configured ones")
    }

    /// Tenants' flow ids overlap: two tenants breaching the same rule on flow 1007 are two
    /// alerts, each tenant's engine saying only its own breaches, and the rule's alert of one
    /// tenant inhibits that tenant's push only (deploy/alertmanager.example.yml).
    @Test(.requires("prometheus-alertmanager")) func tenantsBreachingTheSameFlowIdAreTwoAlerts() async throws {
        let (process, base) = try await startAlertmanager(configuration: try Self.shippedAlertmanagerConfig())
        defer { process.terminate() }
        var config = NotificationConfig()
        config.alertmanager = NotificationConfig.Alertmanager(url: base, resendInterval: 60)
        let clock = ManualClock(start: Date().timeIntervalSince1970)
        let dispatcher = dispatcher(config, clock: clock)
        let one = Tenant(id: "1", name: "eu"), two = Tenant(id: "2", name: "us")
        var first = alert(), second = alert()
        first.tenant = one
        second.tenant = two
        let event = try JSONSerialization.jsonObject(with: AlertPayloads.webhook(first, sentAt: clock.now)) as? [String: Any]
        #expect(event?["tenant"] as? [String: String] == ["id": "1", "name": "eu"])
        #expect(event?["summary"] as? String == "SLA orders-error-rate breached by flow \(Self.flowName) in tenant 1 (eu)")
        await dispatcher.deliver(changes: [first], active: [first], tenant: one)
        await dispatcher.deliver(changes: [second], active: [second], tenant: two)
        await dispatcher.tickAndWait()

        func alerts(_ query: String) async throws -> [[String: String]] { try await alertLabels(base, query) }
        let pushed = try await alerts("active=true")
        #expect(pushed.compactMap { $0["tenant_id"] }.sorted() == ["1", "2"], "\(pushed)")
        #expect(pushed.allSatisfy { $0["flow_id"] == "1007" && $0["sla"] == "orders-error-rate" })
        #expect(Set(pushed.compactMap { $0["tenant_name"] }) == ["eu", "us"])

        // Prometheus' rule alert for tenant 1's breach inhibits tenant 1's push, not tenant 2's.
        let now = Date().timeIntervalSince1970
        let fromRule: [[String: Any]] = [
            [
                "labels": [
                    "alertname": "EtlworksSLABreach", "severity": "critical", "sla": "orders-error-rate", "flow_id": "1007",
                    "tenant_id": "1"
                ],
                "startsAt": UTCTime.format(now - 30), "endsAt": UTCTime.format(now + 300)
            ]
        ]
        #expect(try await postAsPrometheus(fromRule, to: base) == 200)
        let inhibited = try await alerts("active=false&inhibited=true")
        #expect(inhibited.map { $0["tenant_id"] } == ["1"], "\(inhibited)")
        let notInhibited = try await alerts("active=true&inhibited=false")
        #expect(
            Set(notInhibited.map { "\($0["alertname"] ?? "") \($0["tenant_id"] ?? "")" }) == [
                "EtlworksSLABreach 1", "EtlworksSLABreachPushed 2"
            ])

        // Tenant 2's breach ends: tenant 1's push stays, whatever tenant 2's engine says is active.
        var resolved = second
        resolved.endsAt = Date().timeIntervalSince1970
        await dispatcher.deliver(changes: [resolved], active: [], tenant: two)
        await dispatcher.tickAndWait()
        try await Task.sleep(for: .milliseconds(200))
        let still = try await alerts("active=false&inhibited=true")
        #expect(still.filter { $0["alertname"] == "EtlworksSLABreachPushed" }.map { $0["tenant_id"] } == ["1"])
        let active = try await alerts("active=true&inhibited=false")
        #expect(!active.contains { $0["alertname"] == "EtlworksSLABreachPushed" }, "tenant 2's push resolved: \(active)")
    }
}

extension NotificationDispatcher {
    /// Starts what is due and waits for it: the deliveries run on tasks of their own.
    func tickAndWait() async {
        await tick()
        await idle()
    }
}
