import ExporterBase
import ExporterConfiguration
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import EtlworksAPI
@testable import ExporterCore
@testable import Exposition
@testable import Store

/// The whole exposition of a fixed snapshot against a reviewed fixture (node_exporter's
/// end-to-end pattern). Set UPDATE_FIXTURES=1 to rewrite the fixture after a deliberate change.
@Suite struct RendererTests {
    static func snapshot() async -> ExporterSnapshot {
        let requests = RequestCounter()
        requests.record(endpoint: "/v1/metrics/executions", code: "200", seconds: 0.12)
        requests.record(endpoint: "/v1/metrics/executions", code: "429", seconds: 0.01)
        requests.record(endpoint: "/v1/flows", code: "error", seconds: 5)
        let state = ExporterState(
            startedAt: Date(timeIntervalSince1970: 1_764_000_000), storagePath: "/var/lib/x.db",
            intervals: [:], requests: requests)
        var first = FlowMetrics(
            flow: FlowRecord(
                id: 7, name: "orders \"daily\"\nload \\ 数据", flowType: "connection.db.postgres",
                tags: ["nightly", "critical"]))
        first.completedRuns = [.success: 10, .error: 2, .unknown: 1]
        first.recordsProcessed = 12345
        first.durationBucketCounts[0] = 1
        first.durationBucketCounts[4] = 9
        first.durationBucketCounts[DurationBuckets.standard.upperBoundsSeconds.count] = 1
        first.durationSumSeconds = 90_000.5
        first.lastEnd = 1_764_000_100_250
        first.lastDurationSeconds = 42.5
        first.lastStatus = .error
        first.lastSuccessEnd = 1_764_000_000_000
        first.running = 1
        first.queued = 2
        first.stopping = 1
        first.completedRunsByKind = [.retry: 3, .manual: 2]
        first.oldestRunningStart = 1_764_000_200_000
        let second = FlowMetrics(flow: FlowRecord(id: 9, name: "idle"))
        await state.setFlows([first, second])
        await state.setAgents([
            Agent(
                id: "1", name: "agent \"eu\"", state: .online, updaterRunning: false, version: "5.1", os: "Linux",
                lastSeen: 1_764_000_000_000),
            Agent(id: "eu-west \"2\"", name: "agent 2", state: .suspended)
        ])
        await state.setSubscription(
            Subscription(
                tier: "Business", status: "active", seatsTotal: 10, seatsUsed: 7,
                periodStart: 1_761_955_200_000, periodEnd: 1_764_547_200_000,
                monthlyAllowance: 500_000_000, dailyAllowance: 25_000_000, monthUsed: 1_234_567,
                todayUsed: 8910))
        await state.setSummary(
            ExecutionsSummary(
                runs: [.success: 90, .error: 10, .running: 3], count: 103, successRatio: 0.9,
                averageDurationSeconds: 61.5, maxDurationSeconds: 3600, records: 999),
            window: 86400)
        await state.setInstance(up: true, info: SystemInfo(version: "6.4.2", build: "b1", deploymentMode: "cloud"))
        await state.setInstanceHealth(
            InstanceHealth(nodes: [
                NodeHealth(
                    name: "node \"a\"", up: true, components: ["db": true, "redis": false], runningFlows: 3,
                    disks: ["dataDisk": .init(freeBytes: 5_000_000_000, totalBytes: 128_000_000_000)],
                    heapUsedBytes: 553_466_272, heapMaxBytes: 11_185_160_192, systemLoad: 0.41),
                NodeHealth(name: "b", up: true, components: ["db": true], runningFlows: 0)
            ]))
        await state.recordPoll(
            .executions, started: Date(timeIntervalSince1970: 1_764_000_300), duration: 0.25, error: nil,
            skipped: 2, apiAnswered: true)
        await state.recordPoll(
            .flows, started: Date(timeIntervalSince1970: 1_764_000_300), duration: 1.5,
            error: "/v1/flows: request failed: timed out", apiAnswered: false)
        await state.setStorage(.ok, sizeBytes: 4096)
        // Flow 7 is scheduled every hour (an interval: no clock-dependent next firing) and
        // expected to take 20 minutes; flow 9 has no schedule, and a p95 of its own.
        await state.setSchedules([FlowSchedule(id: 70, flowId: 7, schedule: "3600", expectedSeconds: 1200)])
        await state.setRecentRunTimes([9: 42.5])
        // Flow 9's run answers a stream task: 1,500 records so far, 2.5 s behind.
        var stream = StreamStatus()
        stream.observe(
            auditId: 90, runStarted: 1_763_990_000_000, counter: 1500, latencySeconds: 2.5,
            taskStarted: 1_763_990_001_000, at: 1_764_000_300_000)
        await state.setStreams([9: stream])
        return await state.snapshot()
    }

    @Test(.requires("promtool", "python3")) func theExpositionMatchesTheReviewedFixture() async throws {
        let snapshot = await Self.snapshot()
        for (format, file) in [(ExpositionFormat.prometheusText, "metrics.prom"), (.openMetrics, "metrics.om")] {
            let rendered = String(decoding: MetricsRenderer.render(snapshot, format: format), as: UTF8.self)
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(file)")
            if ProcessInfo.processInfo.environment["UPDATE_FIXTURES"] == "1" {
                try rendered.write(to: fixture, atomically: true, encoding: .utf8)
            }
            let expected = try String(contentsOf: fixture, encoding: .utf8)
            let renderedLines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(renderedLines.sorted() == expectedLines.sorted(), "\(file) differs from the fixture")
            #expect(rendered == expected, "\(file): same lines, different order")
        }
        let text = Data(MetricsRenderer.render(snapshot, format: .prometheusText))
        #expect(try await Tools.promtoolCheck(text) == "")
        #expect(try await Tools.pythonParse(Data(MetricsRenderer.render(snapshot, format: .openMetrics)), openMetrics: true) > 0)
    }
}
