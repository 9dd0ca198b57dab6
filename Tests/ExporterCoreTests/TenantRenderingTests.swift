import ExporterBase
import ExporterConfiguration
import Exposition
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import EtlworksAPI
@testable import ExporterCore
@testable import SLA
@testable import Store

/// What an exporter watching tenants serves (issue #28): tenants' families side by side
/// under their tenant_id, the flow cap over all of them, and /health tenant by tenant.
@Suite struct TenantRenderingTests {
    /// A tenant's state with flows 1, 2 and 3 (ids every tenant has), its polls as given.
    static func tenantState(maxFlows: Int = 20_000, executionsOK: Bool = true, flowsOK: Bool = true) async -> ExporterState {
        let state = ExporterState(storagePath: "/tmp/x.db", intervals: [.executions: 30, .flows: 300], requests: RequestCounter())
        var settings = MetricsSettings()
        settings.maxFlows = maxFlows
        await state.setExportSettings(settings)
        await state.limitResources(to: CollectorSet.tenantResources)
        await state.setFlows(
            (Int64(1)...3).map { id in
                var flow = FlowMetrics(flow: FlowRecord(id: id, name: "flow \(id)", flowType: nil, tags: []))
                flow.completedRuns = [.success: id]
                return flow
            })
        let now = Date()
        await state.recordPoll(
            .executions, started: now, duration: 0.1, error: executionsOK ? nil : "timed out", apiAnswered: executionsOK)
        await state.recordPoll(
            .flows, started: now, duration: 0.1, error: flowsOK ? nil : "403 on /v1/token-auth/tenants/{id}", apiAnswered: true)
        return state
    }

    @Test(.requires("promtool")) func tenantsShareFamiliesAndTheFlowCapCountsThemAll() async throws {
        var settings = MetricsSettings()
        settings.maxFlows = 4
        let instance = ExporterState(storagePath: "/tmp/x.db", intervals: [.health: 60], requests: RequestCounter())
        await instance.setExportSettings(settings)
        await instance.limitResources(to: CollectorSet.instanceResources)
        let tenants = [Tenant(id: "1", name: "eu"), Tenant(id: "2", name: "us \"east\"")]
        let directoryStates = [await Self.tenantState(maxFlows: 4), await Self.tenantState(maxFlows: 4, flowsOK: false)]
        let parts = await zip(tenants, directoryStates).asyncMap { tenant, state in
            let snapshot = await state.snapshot()
            return MetricsRenderer.TenantPart(tenant: tenant, snapshot: snapshot, up: TenantPlane.isUp(snapshot))
        }
        let text = MetricsRenderer.render(instance: await instance.snapshot(), tenants: parts, format: .prometheusText)
        #expect(try await Tools.promtoolCheck(Data(text)) == "")
        let samples = try await TestSupport.Exposition.parse(Data(text))
        let runs = samples.filter { $0.name == "etlworks_flow_runs_total" && $0.labels["status"] == "success" }
        #expect(runs.map { "\($0.labels["tenant_id"]!)/\($0.labels["flow_id"]!)" } == ["1/1", "1/2", "1/3", "2/1"])
        #expect(samples.first { $0.name == "etlworks_exporter_flows_over_limit" }?.value == 2)
        #expect(samples.filter { $0.name == "etlworks_tenant_up" }.map(\.value) == [1, 0], "tenant 2's flows poll failed")
        #expect(
            samples.first { $0.name == "etlworks_tenant_info" && $0.labels["tenant_id"] == "2" }?.labels["tenant_name"]
                == "us \"east\"")
        #expect(samples.first { $0.name == "etlworks_tenants" }?.value == 2)
        // The tenants' polls carry their tenant_id, the instance's do not.
        let polls = samples.filter { $0.name == "etlworks_exporter_polls_total" && $0.labels["result"] == "success" }
        #expect(
            Set(polls.map { "\($0.labels["tenant_id"] ?? "-") \($0.labels["resource"]!)" }).isSuperset(of: [
                "1 executions", "2 flows", "- health"
            ]))
        #expect(!polls.contains { $0.labels["tenant_id"] == nil && $0.labels["resource"] == "executions" })
        let count = await FlowLimitWatch.count(ExporterView(state: directoryStates[0]))
        #expect(count.exported == 3 && count.limit == 4)
    }

    @Test func healthWarnsForATenantDownAndFailsWhenAllAre() async throws {
        let instance = ExporterState(storagePath: "/tmp/x.db", intervals: [.health: 60], requests: RequestCounter())
        await instance.limitResources(to: CollectorSet.instanceResources)
        await instance.recordPoll(.health, started: Date(), duration: 0.1, error: nil, apiAnswered: true)
        await instance.recordPoll(.instanceHealth, started: Date(), duration: 0.1, error: nil, apiAnswered: true)
        func report(_ states: [ExporterState]) async -> HealthReport {
            var parts: [MetricsRenderer.TenantPart] = []
            for (index, state) in states.enumerated() {
                let snapshot = await state.snapshot()
                parts.append(
                    .init(
                        tenant: Tenant(id: "\(index + 1)", name: "t\(index + 1)"), snapshot: snapshot,
                        up: TenantPlane.isUp(snapshot)))
            }
            return HealthReport(instance: await instance.snapshot(), apiURL: "http://x", tenants: parts, discoveryProblem: nil)
        }
        let healthy = await report([await Self.tenantState(), await Self.tenantState()])
        #expect(healthy.status == .pass && healthy.document.tenants?.map(\.up) == [true, true], "\(healthy.reasons)")
        #expect(healthy.document.flows == 6)
        let oneDown = await report([await Self.tenantState(), await Self.tenantState(flowsOK: false)])
        #expect(oneDown.status == .warn && oneDown.httpStatus == 200)
        #expect(
            oneDown.reasons.contains { $0.hasPrefix("tenant 2 (t2) is down: flows: latest poll failed: 403") },
            "\(oneDown.reasons)")
        #expect(oneDown.document.tenants?[1].status == .fail)
        let allDown = await report([await Self.tenantState(executionsOK: false), await Self.tenantState(flowsOK: false)])
        #expect(allDown.status == .fail && allDown.reasons.contains("no tenant is read"))
    }

    /// A tenant's SLA breach is graded as one exporter's is (critical fails /health), named
    /// with its tenant, and shows in /metrics under its tenant_id; a tenant's writes failing
    /// is the one database failing.
    @Test(.requires("promtool")) func aTenantsBreachAndItsStorageCountForTheWholeExporter() async throws {
        let instance = ExporterState(storagePath: "/tmp/x.db", intervals: [.health: 60], requests: RequestCounter())
        await instance.limitResources(to: CollectorSet.instanceResources)
        await instance.recordPoll(.health, started: Date(), duration: 0.1, error: nil, apiAnswered: true)
        await instance.recordPoll(.instanceHealth, started: Date(), duration: 0.1, error: nil, apiAnswered: true)
        let breaching = await Self.tenantState(), failing = await Self.tenantState()
        let rule = SLARule(
            name: "streak", target: .flows(FlowSelector()), condition: .consecutiveFailures(1), severity: .critical)
        var sla = SLASnapshot()
        sla.rules = [rule]
        sla.tenant = Tenant(id: "1", name: "t1")
        sla.evaluatedAt = 1_790_000_000
        sla.results = [
            SLAResult(
                rule: "streak", severity: .critical, condition: "consecutive_failures",
                target: SLATarget(kind: .flow, id: 2, name: "flow 2"), phase: .breaching, since: 1_789_999_000,
                breachStart: 1_789_999_000, measurement: SLAMeasurement(holds: true, value: 1, threshold: 1),
                breachesTotal: 1, labels: LabelSet([("sla", "streak"), ("flow_id", "2"), ("severity", "critical")]),
                tenant: sla.tenant)
        ]
        await breaching.setSLA(sla)
        await failing.setStorage(.failing("disk I/O error"), writer: .sla)
        var parts: [MetricsRenderer.TenantPart] = []
        for (index, state) in [breaching, failing].enumerated() {
            let snapshot = await state.snapshot()
            parts.append(.init(tenant: Tenant(id: "\(index + 1)", name: "t\(index + 1)"), snapshot: snapshot, up: true))
        }
        let report = HealthReport(instance: await instance.snapshot(), apiURL: "http://x", tenants: parts, discoveryProblem: nil)
        #expect(report.status == .fail)
        #expect(report.reasons.contains("SLA streak (critical) breached by flow flow 2 in tenant 1 (t1)"), "\(report.reasons)")
        #expect(report.reasons.contains("tenant 2 (t2): storage: disk I/O error"), "\(report.reasons)")
        #expect(report.document.sla.breaching.map(\.tenantId) == ["1"] && report.document.sla.rules == 1)

        let text = MetricsRenderer.render(instance: await instance.snapshot(), tenants: parts, format: .prometheusText)
        #expect(try await Tools.promtoolCheck(Data(text)) == "")
        let samples = try await TestSupport.Exposition.parse(Data(text))
        let breaches = samples.filter { $0.name == "etlworks_sla_breach" }
        #expect(breaches.map { "\($0.labels["tenant_id"] ?? "-")/\($0.labels["flow_id"] ?? "")=\($0.value)" } == ["1/2=1.0"])
        #expect(samples.first { $0.name == "etlworks_exporter_store_up" }?.value == 0, "tenant 2's writes fail")
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var result: [T] = []
        for element in self { result.append(await transform(element)) }
        return result
    }
}
