import Foundation
import TestSupport
import Testing

/// One exporter, many tenants (issue #28), on the built binaries: `simulate --tenants 3`
/// (the same flow ids in each, tenant 3's switch refused) and `serve` logged in as the
/// Super Admin. Part of the serialized end-to-end suite.
extension EndToEndTests {
    func deployTenants(_ tenants: String, credentials: String? = nil, appending extra: String = "") async throws
        -> Deployment
    {
        try await deploy(
            flows: 4, database: "tenants-\(UUID().uuidString.prefix(6)).db", etlworks: "tenants: \(tenants)",
            simulator: ["--tenants", "3", "--refused-tenant", "3"],
            edit: { text in
                guard let credentials else { return text + extra }
                return text.replacingOccurrences(of: "api_key: ${TEST_API_KEY}", with: credentials) + extra
            })
    }

    /// Completed runs per flow and status of one tenant, exported with its tenant_id.
    func completedRuns(exported samples: [ParsedSample], tenant: String) -> [String: Double] {
        completedRuns(exported: samples.filter { $0.labels["tenant_id"] == tenant })
    }

    func completedRuns(truth simulator: URL, tenant: Int) async throws -> [String: Double] {
        var components = URLComponents(
            url: simulator.appendingPathComponent("/_sim/truth"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "tenant", value: String(tenant))]
        let truth = try await HTTP.json("GET", components.url!)
        var runs: [String: Double] = [:]
        for flow in truth["flows"] as? [[String: Any]] ?? [] {
            for (status, count) in flow["runs"] as? [String: Int] ?? [:] where count > 0 {
                runs["\(flow["id"]!) \(status)"] = Double(count)
            }
        }
        return runs
    }

    func tenantPolls(_ samples: [ParsedSample], _ resource: String, tenant: String) -> Double {
        value(
            samples, "etlworks_exporter_polls_total", ["resource": resource, "result": "success", "tenant_id": tenant]) ?? 0
    }

    /// Waits until every tenant in `tenants` has polled `resource` `count` more times than in `after`.
    func waitForTenantPolls(
        _ exporter: URL, _ resource: String, tenants: [String], after: [ParsedSample] = [], count: Double = 1
    ) async throws -> [ParsedSample] {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let (_, samples) = try await metrics(exporter)
            if tenants.allSatisfy({
                tenantPolls(samples, resource, tenant: $0) >= tenantPolls(after, resource, tenant: $0) + count
            }) {
                return samples
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw HarnessError("\(resource) of tenants \(tenants) did not poll within 60 s")
    }

    @Test func threeTenantsWithTheSameFlowIdsAreCountedApartAndARefusedOneIsDown() async throws {
        let deployment = try await deployTenants(
            "[{id: 1, name: one}, {id: 2, name: two}, {id: 3, name: three}]",
            credentials: "username: admin\n  password: sim-password")
        _ = try await waitForTenantPolls(deployment.exporter, "executions", tenants: ["1", "2", "3"])
        _ = try await waitForTenantPolls(deployment.exporter, "flows", tenants: ["1", "2"])
        // Stop the simulated clock, then let every tenant poll again: the truth holds still.
        _ = try await HTTP.json("POST", deployment.simulator.appendingPathComponent("/_sim/clock"), body: ["paused": true])
        let (_, before) = try await metrics(deployment.exporter)
        let samples = try await waitForTenantPolls(
            deployment.exporter, "executions", tenants: ["1", "2", "3"], after: before, count: 2)
        var seen: [[String: Double]] = []
        for tenant in 1...3 {
            let truth = try await completedRuns(truth: deployment.simulator, tenant: tenant)
            #expect(!truth.isEmpty)
            #expect(completedRuns(exported: samples, tenant: String(tenant)) == truth, "tenant \(tenant) counted exactly")
            seen.append(truth)
        }
        #expect(seen[0] != seen[1], "the same flow ids ran different runs in each tenant")
        #expect(
            Set(samples.filter { $0.name == "etlworks_flow_runs_total" }.compactMap { $0.labels["flow_id"] }).count == 4,
            "four flow ids, shared by the tenants")
        // Tenant 3's switch is refused: its flows cannot be read, so it is down; its runs are
        // still read by tenantId, and the others are up.
        #expect(value(samples, "etlworks_tenant_up", ["tenant_id": "1"]) == 1)
        #expect(value(samples, "etlworks_tenant_up", ["tenant_id": "2"]) == 1)
        #expect(value(samples, "etlworks_tenant_up", ["tenant_id": "3"]) == 0)
        #expect(value(samples, "etlworks_tenants") == 3)
        #expect(value(samples, "etlworks_tenant_info", ["tenant_id": "2", "tenant_name": "two"]) == 1)
        #expect(
            value(samples, "etlworks_exporter_polls_total", ["resource": "flows", "result": "error", "tenant_id": "3"]) ?? 0 > 0)
        // One switch per tenant, however many requests each tenant's pollers made since.
        _ = try await waitForTenantPolls(deployment.exporter, "flows", tenants: ["1", "2"], after: samples, count: 2)
        let stats = try await HTTP.json("GET", deployment.simulator.appendingPathComponent("/_sim/stats"))
        let requests = try #require(stats["requests"] as? [String: Int])
        let switched = requests["/v1/token-auth/tenants/{id}"] ?? 0
        let switchedCalls = ["/v1/flows", "/v1/agents", "/v1/schedules"].reduce(0) { $0 + (requests[$1] ?? 0) }
        #expect(switched == 3, "three switches (the refused one remembered), for \(switchedCalls) calls in tenants' contexts")
        #expect((requests["/v1/flows"] ?? 0) >= 6, "at least three flows polls in each of tenants 1 and 2")
        #expect(requests["/v1/token-auth"] == 1, "one login of the Super Admin")
        // /health lists every tenant and warns (not fails) for the one that is down.
        let (status, body, _) = try await HTTP.get(deployment.exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let tenants = try #require(health["tenants"] as? [[String: Any]])
        #expect(status == 200 && health["status"] as? String == "warn")
        #expect(tenants.map { $0["id"] as? String } == ["1", "2", "3"])
        #expect(tenants.map { $0["up"] as? Bool } == [true, true, false])
        #expect((health["reasons"] as? [String])?.contains { $0.hasPrefix("tenant 3 (three) is down") } == true)
    }

    /// SLA rules per tenant: each tenant's rules judge its own flows and billing, a rule's
    /// `tenants:` chooses by name or id, and every SLA series, result and breach names its tenant.
    @Test func slaRulesJudgeEachTenantApart() async throws {
        let rules = """

            sla:
              - name: allowance-tiny
                tenant: true
                tenants: ["on*"]
                billing_usage: {max_ratio: 0.0000001}
              - name: day-long
                max_duration: 24h
              - name: two-only
                tenants: ["2"]
                consecutive_failures: 10000

            """
        let deployment = try await deployTenants(
            "[{id: 1, name: one}, {id: 2, name: two}, {id: 3, name: three}]", appending: rules)
        _ = try await waitForTenantPolls(deployment.exporter, "billing", tenants: ["1", "2"])
        var samples: [ParsedSample] = []
        let deadline = Date().addingTimeInterval(60)
        repeat {
            try await Task.sleep(for: .milliseconds(300))
            samples = try await metrics(deployment.exporter).1
        } while value(samples, "etlworks_sla_breach", ["sla": "allowance-tiny", "tenant_id": "1"]) != 1 && Date() < deadline
        func breach(_ rule: String) -> [String: Double] {
            var byTarget: [String: Double] = [:]
            for sample in samples where sample.name == "etlworks_sla_breach" && sample.labels["sla"] == rule {
                byTarget["\(sample.labels["tenant_id"] ?? "-")/\(sample.labels["flow_id"] ?? "")"] = sample.value
            }
            return byTarget
        }
        // Tenant 1's usage breaches the tiny allowance; only tenant 1 ("one") is judged by it.
        #expect(breach("allowance-tiny") == ["1/": 1])
        // A rule for every tenant judges each one's flows, whose ids the tenants share.
        let flows = ["1000", "1007", "1014", "1021"]
        let dayLong = breach("day-long")
        #expect(
            dayLong.filter { !$0.key.hasPrefix("3/") }
                == Dictionary(
                    uniqueKeysWithValues: ["1", "2"].flatMap { tenant in
                        flows.map { ("\(tenant)/\($0)", 0.0) }
                    }))
        // Tenant 2's four flows and no other tenant's.
        #expect(breach("two-only") == Dictionary(uniqueKeysWithValues: flows.map { ("2/\($0)", 0.0) }))
        #expect(value(samples, "etlworks_sla_last_evaluation_timestamp_seconds", ["tenant_id": "2"]) != nil)
        let (data, _) = try await metrics(deployment.exporter)
        #expect(try await Tools.promtoolCheck(data) == "", "one family each, valid exposition")

        // /api/v1/sla: every tenant's results, each naming its tenant; ?tenant= keeps one.
        let all = try #require(try await get(deployment.exporter, "api/v1/sla") as? [String: Any])
        let results = try #require(all["results"] as? [[String: Any]])
        let pairs = Set(results.map { "\($0["sla"] as? String ?? "") \($0["tenant_id"] as? String ?? "-")" })
        #expect(pairs.subtracting(["day-long 3"]) == ["allowance-tiny 1", "day-long 1", "day-long 2", "two-only 2"])
        #expect(results.first { $0["sla"] as? String == "allowance-tiny" }?["tenant_name"] as? String == "one")
        let (_, twoBody, _) = try await HTTP.get(URL(string: deployment.exporter.absoluteString + "/api/v1/sla?tenant=2")!)
        let two = try #require(try JSONSerialization.jsonObject(with: twoBody) as? [String: Any])
        #expect((two["results"] as? [[String: Any]])?.allSatisfy { $0["tenant_id"] as? String == "2" } == true)
        #expect((two["results"] as? [[String: Any]])?.count == 8)
        // The breach's episode and /health name the tenant.
        let history = try #require(try await get(deployment.exporter, "api/v1/sla/history") as? [String: Any])
        let episodes = try #require(history["episodes"] as? [[String: Any]])
        #expect(episodes.map { "\($0["sla"] as? String ?? "") \($0["tenant_id"] as? String ?? "-")" } == ["allowance-tiny 1"])
        let (_, body, _) = try await HTTP.get(deployment.exporter.appendingPathComponent("health"))
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(
            (health["reasons"] as? [String])?.contains("SLA allowance-tiny (warning) breached by tenant 1 (one)") == true,
            "\(health["reasons"] ?? "")")
        let sla = try #require(health["sla"] as? [String: Any])
        #expect(sla["rules"] as? Int == 3)
        #expect((sla["breaching"] as? [[String: Any]])?.map { $0["tenant_id"] as? String } == ["1"])
    }

    @Test func discoveredTenantsAreWatchedAndKeepTodaysSeriesWithoutTenants() async throws {
        let deployment = try await deployTenants("discover")
        let samples = try await waitForTenantPolls(deployment.exporter, "executions", tenants: ["1", "2", "3"])
        #expect(value(samples, "etlworks_tenants") == 3)
        #expect(value(samples, "etlworks_tenant_info", ["tenant_id": "3", "tenant_name": "tenant 3"]) == 1)
        // Every per-tenant series has its tenant_id; the exporter's own do not.
        let perTenant = samples.filter { $0.name.hasPrefix("etlworks_flow_") || $0.name.hasPrefix("etlworks_agent_") }
        #expect(!perTenant.isEmpty && perTenant.allSatisfy { $0.labels["tenant_id"] != nil })
        #expect(samples.filter { $0.name == "etlworks_exporter_build_info" }.allSatisfy { $0.labels["tenant_id"] == nil })
        #expect(value(samples, "etlworks_exporter_polls_total", ["resource": "health", "result": "success"]) != nil)
        let (data, _) = try await metrics(deployment.exporter)
        #expect(try await Tools.promtoolCheck(data) == "", "one family each, valid exposition")
    }
}
