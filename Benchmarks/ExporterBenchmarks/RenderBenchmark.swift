import EtlworksAPI
import ExporterConfiguration
import ExporterCore
import Exposition
import Foundation
import Store

/// /metrics rendering for N flows, against a baseline renderer written the obvious way
/// (string interpolation and `replacingOccurrences` escaping, as a quick script would).
enum RenderBenchmark {
    static func snapshot(flows count: Int, settings: MetricsSettings = MetricsSettings()) async -> ExporterSnapshot {
        let state = ExporterState(storagePath: "bench.db", intervals: [:], requests: RequestCounter())
        await state.setExportSettings(settings)
        var metrics: [FlowMetrics] = []
        for index in 0..<count {
            let name =
                index % 3 == 2
                ? "orders \"daily\" load \\ \(index)\n" + String(repeating: "é", count: index % 40)
                : "warehouse load \(index)"
            var flow = FlowMetrics(
                flow: FlowRecord(
                    id: Int64(1000 + index * 7), name: name, flowType: "connection.db.postgres",
                    tags: index % 3 == 0 ? ["nightly", "critical"] : []),
                durationBuckets: settings.durationBuckets.count)
            flow.completedRuns = [.success: Int64(1000 + index), .warning: 12, .error: Int64(index % 17), .canceled: 1]
            flow.recordsProcessed = Int64(index) * 123_456
            for bucket in 0..<flow.durationBucketCounts.count {
                flow.durationBucketCounts[bucket] = UInt64((index + bucket) % 50)
            }
            flow.durationSumSeconds = Double(index) * 1234.567
            // Run times of 5 to 45 minutes: 25 native buckets at schema 3.
            var native = NativeHistogram(schema: settings.nativeHistogramSchema)
            for bucket in 66..<91 { native.counts[bucket] = UInt64((index + bucket) % 50 + 1) }
            flow.nativeDuration = native
            flow.completedRunsByKind = [.retry: Int64(index % 3)]
            flow.lastEnd = 1_764_000_000_000 + Int64(index) * 1000
            flow.lastDurationSeconds = 61.25
            flow.lastStatus = .success
            flow.lastSuccessEnd = 1_764_000_000_000
            flow.running = Int64(index % 2)
            flow.oldestRunningStart = index % 2 == 1 ? 1_764_000_000_000 : nil
            metrics.append(flow)
        }
        await state.setFlows(metrics)
        await state.setAgents(
            (0..<5).map { Agent(id: String($0), name: "agent-\($0)", state: .online, version: "1", os: "Linux") })
        return await state.snapshot()
    }

    static func build(flows: Int, settings: MetricsSettings = MetricsSettings()) -> ExporterSnapshot {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var built: ExporterSnapshot?
        Task {
            built = await snapshot(flows: flows, settings: settings)
            semaphore.signal()
        }
        semaphore.wait()
        return built!
    }

    /// Bytes and series of the per-flow families (`etlworks_flow_*`), per flow.
    static func perFlow(_ snapshot: ExporterSnapshot, flows: Int) -> (bytes: Int, series: Double) {
        let text = MetricsRenderer.render(snapshot, format: .prometheusText)
        var bytes = 0
        var series = 0
        for line in text.split(separator: UInt8(ascii: "\n")) where line.starts(with: "etlworks_flow_".utf8) {
            bytes += line.count + 1
            series += 1
        }
        return (bytes / flows, Double(series) / Double(flows))
    }

    /// The median of the flows' series with native histograms alone (the classic histogram's
    /// series count as one), as Prometheus would hold them.
    static func nativeSeriesPerFlow(_ snapshot: ExporterSnapshot, flows: Int) -> Int {
        let text = String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self)
        var perFlow: [Substring: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("etlworks_flow_") {
            if line.hasPrefix("etlworks_flow_run_duration_seconds_"), !line.hasPrefix("etlworks_flow_run_duration_seconds_count")
            {
                continue
            }
            guard let id = line.firstMatch(of: /flow_id="(\d+)"/)?.1 else { continue }
            perFlow[id, default: 0] += 1
        }
        let sorted = perFlow.values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func run(flows: Int) throws {
        let snapshot = build(flows: flows)
        // BENCH_DUMP_FLOW=1007 prints that flow's lines: what a flow's bytes are made of.
        if let id = ProcessInfo.processInfo.environment["BENCH_DUMP_FLOW"] {
            let text = String(decoding: MetricsRenderer.render(snapshot, format: .prometheusText), as: UTF8.self)
            for line in text.split(separator: "\n") where line.contains("flow_id=\"\(id)\"") { print(line) }
        }
        // BENCH_PROFILE_TEXT=300 renders the text format that often and nothing else (for perf).
        if let count = ProcessInfo.processInfo.environment["BENCH_PROFILE_TEXT"].flatMap({ Int($0) }) {
            for _ in 0..<count { _ = MetricsRenderer.render(snapshot, format: .prometheusText) }
            return
        }
        var named = MetricsSettings()
        named.flowNameLabel = true
        var eight = MetricsSettings()
        eight.durationBuckets = DurationBuckets([10, 60, 300, 900, 3600, 14400, 43200, 86400])!
        var current = MetricsSettings()
        current.statusSeries = .current
        for (label, settings) in [
            ("defaults", MetricsSettings()), ("flow_name_label: true", named), ("defaults, 8 buckets", eight),
            ("status_series: current", current)
        ] {
            let figures = perFlow(build(flows: flows, settings: settings), flows: flows)
            print("per flow, \(label): \(figures.bytes) bytes, \(String(format: "%.1f", figures.series)) series")
        }
        // Protocol buffers, with classic buckets beside the native ones and without.
        var nativeOnly = MetricsSettings()
        nativeOnly.classicHistograms = false
        let nativeSnapshot = build(flows: flows, settings: nativeOnly)
        var protobufBytes = (both: 0, native: 0)
        let protobufBoth = medianMilliseconds(runs: 41) {
            protobufBytes.both = MetricsRenderer.render(snapshot, format: .protobuf).count
        }
        let protobufNative = medianMilliseconds(runs: 41) {
            protobufBytes.native = MetricsRenderer.render(nativeSnapshot, format: .protobuf).count
        }
        print(
            String(
                format:
                    "protobuf: classic and native %d bytes a flow, median %.2f ms; native only %d bytes a flow, median %.2f ms, median %d series a flow",
                protobufBytes.both / flows, protobufBoth, protobufBytes.native / flows, protobufNative,
                nativeSeriesPerFlow(nativeSnapshot, flows: flows)))
        var bytes = 0
        let text = medianMilliseconds(runs: 41) { bytes = MetricsRenderer.render(snapshot, format: .prometheusText).count }
        let openMetrics = medianMilliseconds(runs: 41) { _ = MetricsRenderer.render(snapshot, format: .openMetrics) }
        let baseline = medianMilliseconds(runs: 11) { _ = NaiveRenderer.render(snapshot) }
        let lines = MetricsRenderer.render(snapshot, format: .prometheusText).split(separator: UInt8(ascii: "\n")).count
        print("render: \(flows) flows, \(lines) lines, \(bytes / 1024) KiB")
        print(String(format: "render text 0.0.4: median %.2f ms; OpenMetrics: median %.2f ms", text, openMetrics))
        print(
            String(
                format: "render baseline (string interpolation): median %.2f ms; ratio baseline/ours %.1fx", baseline,
                baseline / text))
    }
}

/// The obvious renderer, for comparison only: same families, same label escaping.
enum NaiveRenderer {
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func render(_ snapshot: ExporterSnapshot) -> String {
        var out = ""
        out += "# TYPE etlworks_flow_runs_total counter\n"
        for flow in snapshot.flows {
            let labels = "flow_id=\"\(flow.metrics.flow.id)\",flow_name=\"\(escape(flow.metrics.flow.name))\""
            for status in ["success", "warning", "error", "canceled"] {
                out +=
                    "etlworks_flow_runs_total{\(labels),status=\"\(status)\"} \(flow.metrics.completedRuns[RunStatus(rawValue: status)!] ?? 0)\n"
            }
        }
        out += "# TYPE etlworks_flow_run_duration_seconds histogram\n"
        for flow in snapshot.flows {
            let labels = "flow_id=\"\(flow.metrics.flow.id)\",flow_name=\"\(escape(flow.metrics.flow.name))\""
            var cumulative: UInt64 = 0
            for (index, bound) in DurationBuckets.standard.upperBoundsSeconds.enumerated() {
                cumulative += flow.metrics.durationBucketCounts[index]
                out += "etlworks_flow_run_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            cumulative += flow.metrics.durationBucketCounts.last ?? 0
            out += "etlworks_flow_run_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(cumulative)\n"
            out += "etlworks_flow_run_duration_seconds_sum{\(labels)} \(flow.metrics.durationSumSeconds)\n"
            out += "etlworks_flow_run_duration_seconds_count{\(labels)} \(cumulative)\n"
        }
        let gauges: [(String, (FlowMetrics) -> Double)] = [
            ("etlworks_flow_records_processed_total", { Double($0.recordsProcessed) }),
            ("etlworks_flow_last_run_duration_seconds", { $0.lastDurationSeconds ?? 0 }),
            ("etlworks_flow_last_run_end_timestamp_seconds", { Double($0.lastEnd ?? 0) / 1000 }),
            ("etlworks_flow_last_success_timestamp_seconds", { Double($0.lastSuccessEnd ?? 0) / 1000 }),
            ("etlworks_flow_running_runs", { Double($0.running) }),
            ("etlworks_flow_queued_runs", { Double($0.queued) })
        ]
        for (name, value) in gauges {
            out += "# TYPE \(name) gauge\n"
            for flow in snapshot.flows {
                out +=
                    "\(name){flow_id=\"\(flow.metrics.flow.id)\",flow_name=\"\(escape(flow.metrics.flow.name))\"} \(value(flow.metrics))\n"
            }
        }
        return out
    }
}
