import Foundation
import TestSupport
import Testing

/// /metrics and /health under 50 concurrent clients while `serve` polls at full rate: no
/// errors, no failed polls (scripts/load-test.py; the figures at 2,000 flows are in
/// docs/benchmarks.md). Short and small here. Part of the serialized end-to-end suite.
extension EndToEndTests {
    @Test func fiftyConcurrentClientsGetNoErrorsWhilePollingRuns() async throws {
        let script = Self.root.appendingPathComponent("scripts/load-test.py").path
        let result = try await Tools.run(
            "/usr/bin/python3",
            [
                script, "--binary", Tools.exporterBinary.path,
                "--flows", "200", "--clients", "50", "--seconds", "5"
            ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr.suffix(2000))")
        #expect(result.stdout.contains("load: errors: 0"))
        #expect(result.stdout.contains("0 failed polls"))
    }
}
