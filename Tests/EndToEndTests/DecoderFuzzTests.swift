import ExporterConfiguration
import Exposition
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import EtlworksAPI
@testable import ExporterCore
@testable import Store

/// Property tests: the tolerant decoders fed valid answers mutated at random (bytes flipped,
/// cut short, values swapped for other JSON types, deep nesting, huge numbers) never crash
/// and either decode or throw; a decoded page never holds more items than the answer had.
/// The whole renderer, fed random hostile names, tags and values, always yields text that
/// promtool accepts. Seeds are fixed, so a failure reproduces.
@Suite(.endToEnd, .requires("promtool", "python3")) struct DecoderFuzzTests {
    /// One valid answer per endpoint the exporter decodes.
    static let answers: [(name: String, json: String, decode: @Sendable (Data) throws -> Int)] = [
        (
            "executions",
            #"{"executions": [{"auditId": 1, "flowId": 7, "flowName": "a", "status": "success", "started": 1764000000000, "ended": 1764000060000, "recordsProcessed": 10}, {"auditId": 2, "flowId": 8, "status": "running", "started": "2025-11-24T16:00:00Z"}]}"#,
            { try FlowRun.decodeDailyExecutions($0).runs.count }
        ),
        (
            "history",
            #"[{"auditId": 1, "status": 4, "started": 1764000000, "ended": 1764000060, "records": 5}, {"auditId": "2", "status": "ERROR"}]"#,
            { try FlowRun.decodeHistory($0, flowId: 7).items.count }
        ),
        (
            "flows",
            #"[{"id": 7, "name": "orders", "type": "db", "tags": ["a", "b"], "updated": 1764000000000}, {"id": 8, "name": "x", "tags": "a,b"}]"#,
            { try Flow.decodePage($0).items.count }
        ),
        (
            "agents", #"[{"id": 1, "name": "eu-1", "status": "online", "lastSeen": 1764000000000, "updaterStatus": "up"}]"#,
            { try Agent.decodePage($0).items.count }
        ),
        (
            "schedules", #"[{"id": 1, "flowId": 7, "cron": "0 0 * * * ?", "enabled": true, "expectedTime": 300}]"#,
            { try FlowSchedule.decodePage($0).items.count }
        ),
        (
            "summary",
            #"{"total": 3, "success": 2, "error": 1, "running": 0, "averageDuration": 12.5, "maxDuration": 30, "records": 100}"#,
            {
                _ = try ExecutionsSummary.decode($0); return 1
            }
        ),
        (
            "subscription",
            #"{"tier": "Business", "status": "active", "seats": {"total": 5, "used": 2}, "period": {"start": 1764000000000, "end": 1766000000000}, "allowance": {"monthlyRecords": 1000000}, "usage": {"monthRecords": 5000}}"#,
            {
                _ = try Subscription.decode($0); return 1
            }
        ),
        (
            "instance health",
            #"{"status": "UP", "db": {"status": "UP", "running.flows": 3}, "disk": {"status": "UP", "free": 5, "total": 9}, "ram": {"status": "UP", "heap": 100, "heap.used": 50}, "cpu": {"status": "UP", "systemload.average": 0.4}}"#,
            {
                _ = try InstanceHealth.decode($0); return 1
            }
        )
    ]

    static let hostileValues: [String] = [
        "null", "true", "-0", "1e309", "-1e309", "9223372036854775808", "-9223372036854775809", "0.0000000001",
        "\"\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\\\\\\"\"", "[]", "{}", "[[[[[[[[]]]]]]]]", "{\"a\":{\"b\":{\"c\":[]}}}",
        "\"2025-13-45T99:99:99Z\"", "\"99999999999999999999\"", "12345678901234567890123456789",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
    ]

    @Test func mutatedAnswersNeverCrashTheDecoders() {
        var random = SeededRandom(seed: 20_261_129)
        var decoded = 0, rejected = 0
        for answer in Self.answers {
            let original = Array(answer.json.utf8)
            for round in 0..<600 {
                var bytes = original
                switch round % 5 {
                case 0: // flip a few bytes
                    for _ in 0...Int(random.next() % 4) {
                        bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                    }
                case 1: // cut short
                    bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
                case 2: // a value swapped for a hostile one
                    let positions = bytes.indices.filter { bytes[$0] == UInt8(ascii: ":") }
                    if let colon = positions.isEmpty ? nil : positions[Int(random.next() % UInt64(positions.count))] {
                        var end = colon + 1
                        var depth = 0
                        while end < bytes.count {
                            let byte = bytes[end]
                            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { depth += 1 }
                            if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") { if depth == 0 { break }; depth -= 1 }
                            if byte == UInt8(ascii: ",") && depth == 0 { break }
                            end += 1
                        }
                        let value = Self.hostileValues[Int(random.next() % UInt64(Self.hostileValues.count))]
                        bytes.replaceSubrange((colon + 1)..<end, with: Array(value.utf8))
                    }
                case 3: // the whole answer wrapped, repeated or replaced
                    let shapes = [
                        "[\(answer.json)]", "{\"data\": \(answer.json)}", "\(answer.json)\(answer.json)", "", "null",
                        String(repeating: "{\"a\":", count: 700),
                        "[" + Array(repeating: answer.json, count: 50).joined(separator: ",") + "]"
                    ]
                    bytes = Array(shapes[Int(random.next() % UInt64(shapes.count))].utf8)
                default: // random bytes
                    bytes = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                }
                do {
                    let count = try answer.decode(Data(bytes))
                    #expect(count >= 0)
                    decoded += 1
                } catch {
                    // A decoding error must say what was wrong, never be empty.
                    #expect(!String(describing: error).isEmpty)
                    rejected += 1
                }
            }
        }
        // Both outcomes happened: the mutations reached the decoders' tolerant paths and their errors.
        #expect(decoded > 500 && rejected > 500, "decoded \(decoded), rejected \(rejected)")
    }

    @Test func theRendererAlwaysYieldsValidExposition() async throws {
        var random = SeededRandom(seed: 7)
        let alphabet = Array("ab\"\\\n{}=,# é数🚀\t\r\u{0}\u{2028}\u{FEFF}_-.:")
        func hostile() -> String {
            String((0..<Int(random.next() % 24)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
        let numbers: [Double] = [0, -0.0, 1e-300, 1e300, .infinity, -.infinity, .nan, 123_456_789_012_345_678, 0.1]
        for round in 0..<3 {
            let state = ExporterState(storagePath: "/tmp/fuzz.db", intervals: [.executions: 30], requests: RequestCounter())
            let flows = (0..<60).map { index -> FlowMetrics in
                var metrics = FlowMetrics(
                    flow: FlowRecord(
                        id: Int64(index), name: hostile(), flowType: hostile(),
                        tags: (0..<Int(random.next() % 3)).map { _ in hostile() }))
                metrics.completedRuns[.success] = Int64(random.next() % 1000)
                metrics.recordsProcessed = Int64(random.next() % 1_000_000)
                return metrics
            }
            await state.setFlows(flows)
            await state.setAgents((0..<8).map { Agent(id: Int64($0), name: hostile(), online: random.next() % 2 == 0) })
            await state.setSubscription(
                Subscription(
                    tier: hostile(), status: hostile(),
                    monthlyAllowance: Int64(random.next() % 1_000_000), monthUsed: Int64(random.next() % 1_000_000)))
            await state.setSummary(
                ExecutionsSummary(
                    runs: [.success: 1], count: 1, successRatio: numbers[round % numbers.count],
                    averageDurationSeconds: numbers[(round + 4) % numbers.count],
                    maxDurationSeconds: numbers[(round + 5) % numbers.count], records: 1),
                window: 86400)
            let snapshot = await state.snapshot()
            let text = Data(MetricsRenderer.render(snapshot, format: .prometheusText))
            #expect(try await Tools.promtoolCheck(text) == "", "round \(round)")
            #expect(
                try await Tools.pythonParse(Data(MetricsRenderer.render(snapshot, format: .openMetrics)), openMetrics: true) > 0)
        }
    }
}
