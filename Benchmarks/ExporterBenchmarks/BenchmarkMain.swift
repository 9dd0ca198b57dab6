import Foundation
import Logging
import Simulator

/// Prints the figures recorded in docs/benchmarks.md. Run in release:
/// `swift run -c release ExporterBenchmarks [--flows 2000] [--only render|poll|streams|history|sla|report]`.
@main
struct BenchmarkMain {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let flows = arguments.firstIndex(of: "--flows").flatMap { Int(arguments[$0 + 1]) } ?? 2000
        print("etlworks-exporter benchmarks, \(flows) flows, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let only = arguments.firstIndex(of: "--only").map { arguments[$0 + 1] }
        if only == nil || only == "render" { try RenderBenchmark.run(flows: flows) }
        if only == nil || only == "poll" { try await PollBenchmark.run(flows: flows) }
        if only == nil || only == "streams" { try await StreamBenchmark.run(flows: flows) }
        if only == nil || only == "history" { try await HistoryBenchmark.run(flows: flows) }
        if only == nil || only == "sla" { try await SLABenchmark.run(flows: flows) }
        if only == nil || only == "report" { try await ReportBenchmark.run(flows: flows) }
    }
}

/// Median of `runs` timings of `body`, in milliseconds.
func medianMilliseconds(runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var samples: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    samples.sort()
    return samples[samples.count / 2]
}

/// Resident memory of this process now and at its peak, MiB (Linux).
func residentMemory() -> (current: Double, peak: Double) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func value(_ key: String) -> Double {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
        return Double(line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
    }
    return (value("VmRSS:"), value("VmHWM:"))
}
