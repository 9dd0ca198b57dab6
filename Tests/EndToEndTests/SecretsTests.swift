import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI

/// With a known API key, and then a known password, nothing the exporter writes or serves
/// contains them or a token minted from them: logs at trace level, /metrics, /health, the
/// JSON APIs and their errors, and check-config. The simulator turns hostile on the way
/// (answers that repeat the request's credentials back, a 401 that forces a new login).
/// Part of the serialized end-to-end suite.
extension EndToEndTests {
    static let knownKey = "AK-7f3e9c1d-known-api-key"
    static let knownPassword = "pw-Zq8-known-password"

    func config(simulator: URL, credentials: String, name: String) throws -> String {
        let path = directory.appendingPathComponent("\(name).yaml").path
        try """
        etlworks:
          url: \(simulator.absoluteString)
        \(credentials)
          timeout: 5s
          max_requests_per_second: 200
        poll: {executions: 1s, flows: 1s, summary: 1s, agents: 1s, billing: 1s, health: 1s, backfill: 1d}
        storage:
          path: \(directory.appendingPathComponent("\(name).db").path)
        web:
          listen_address: 127.0.0.1:0
        log:
          level: trace
        sla:
          - name: errors
            error_rate: {max: 0.01, window: 1h}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Everything a user or a scraper can read from a running exporter.
    func everythingServed(_ exporter: URL) async throws -> String {
        var text = ""
        for path in [
            "metrics", "health", "api/v1/sla", "api/v1/sla/history", "sla", "api/v1/series?match=etlworks_up",
            "api/v1/series?match={bad", "api/v1/reports/usage?month=bad", "api/v1/reports/usage?format=markdown", ""
        ] {
            let (_, body, _) = try await HTTP.get(URL(string: exporter.absoluteString + "/" + path)!)
            text += String(decoding: body, as: UTF8.self)
        }
        return text
    }

    @Test func secretsNeverLeakIntoLogsPagesOrErrors() async throws {
        let (simulatorProcess, simulator) = try await startSimulator(
            flows: 6, extra: ["--api-key", Self.knownKey, "--password", Self.knownPassword])
        defer { simulatorProcess.process.terminate() }
        var outputs: [String] = []

        for (name, credentials) in [
            ("key", "  api_key: \(Self.knownKey)"),
            ("login", "  username: admin\n  password: \(Self.knownPassword)")
        ] {
            let path = try config(simulator: simulator, credentials: credentials, name: name)
            let exporter = try ChildProcess(arguments: ["serve", "--config", path], directory: directory, name: "serve-\(name)")
            defer { exporter.process.terminate() }
            let url = try await exporter.listeningURL()
            var samples = try await waitForPolls(url, "executions", moreThan: 0)
            // Hostile answers: each repeats the request's Authorization header (and a login's
            // body) in its error message; then a 401 makes a password login mint a new token.
            for endpoint in ["/v1/metrics/executions", "/v1/flows", "/v1/agents", "/v1/billing", "/v1/token-auth"] {
                _ = try await HTTP.json(
                    "POST", simulator.appendingPathComponent("/_sim/faults"),
                    body: ["kind": "echo", "path": endpoint, "status": 500, "count": 2])
            }
            _ = try await HTTP.json(
                "POST", simulator.appendingPathComponent("/_sim/faults"),
                body: ["kind": "status", "path": "/v1/flows", "status": 401, "count": 1])
            samples = try await waitForPolls(url, "executions", moreThan: successfulPolls(samples, "executions"), count: 3)
            _ = try await waitForPolls(url, "flows", moreThan: successfulPolls(samples, "flows"), count: 2)
            outputs.append(try await everythingServed(url))
            _ = try await exporter.terminate()
            outputs.append(exporter.stderr + exporter.stdout)
            #expect(
                exporter.stderr.contains("level=trace") || exporter.stderr.contains("level=debug"),
                "the logs checked include the most verbose levels")
            #expect(exporter.stderr.contains("<redacted>"), "the echoed credentials reached the logs, scrubbed")
        }
        // check-config on a file whose secret YAML cannot read (`*…` is an alias).
        let alias = await try checkConfig(
            "etlworks:\n  url: http://x\n  api_key: *\(Self.knownKey)\n", file: "alias.yaml")
        #expect(alias.status == 1)
        #expect(alias.stderr.contains("etlworks.api_key (line 3)"), "\(alias.stderr)")
        outputs.append(alias.stdout + alias.stderr)
        // check-config on a file with a bad key beside the secrets.
        let check = await try checkConfig(
            "etlworks:\n  url: http://x\n  api_key: \(Self.knownKey)\n  password: \(Self.knownPassword)\n  bogus: 1\n",
            file: "broken.yaml")
        #expect(check.status == 1)
        outputs.append(check.stdout + check.stderr)

        let everything = outputs.joined(separator: "\n")
        #expect(everything.count > 10_000, "enough output to mean something")
        #expect(!everything.contains(Self.knownKey))
        #expect(!everything.contains(Self.knownPassword))
        // Tokens minted from the password are JWTs: base64url JSON headers start with "eyJ".
        #expect(!everything.contains("eyJ"), "a minted token leaked")
        #expect(!everything.contains("Bearer A") && !everything.contains("Bearer e"))
    }
}
