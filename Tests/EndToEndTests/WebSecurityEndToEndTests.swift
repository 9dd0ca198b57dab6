import Foundation
import TestSupport
import Testing

/// `web.config_file` on the built binary: TLS with a self-signed certificate, basic auth
/// with bcrypt hashes on everything but the probes, failed logins counted, the file re-read
/// when it changes (an invalid version ignored), oversized headers refused. Requests are
/// made by Python's `ssl`/`http.client`, which trusts the test's certificate. Part of the
/// serialized end-to-end suite.
extension EndToEndTests {
    // bcrypt (cost 4) of "scrape-pass" and "rotated-pass", made with Python's bcrypt.
    static let scrapeHash = "$2b$04$y2JOffSMqzEUBk4kaiO./OevQ4NEfUoG1669ZyUKk5zhUrNsDSbuC"
    static let rotatedHash = "$2b$04$/F84SHkV51l5JV88RD9PCuAPKPjzG/Gvrcaq/RQpH3y2c1b7Y31xe"

    /// Runs `requests` (path, user, password, extra header size) against `base` over TLS and
    /// returns each status, or 0 when the connection failed.
    func statuses(_ base: URL, certificate: String, _ requests: [(String, String?, String?, Int)]) async throws -> [Int] {
        let script = """
            import base64, http.client, json, ssl, sys
            host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
            context = ssl.create_default_context(cafile=cafile)
            out = []
            for path, user, password, padding in json.loads(sys.stdin.read()):
                try:
                    connection = http.client.HTTPSConnection(host, port, context=context, timeout=10)
                    headers = {}
                    if user is not None:
                        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
                    if padding:
                        headers["X-Padding"] = "x" * padding
                    connection.request("GET", path, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    out.append(response.status)
                    connection.close()
                except Exception as error:
                    out.append(0)
            print(json.dumps(out))
            """
        let input = try JSONSerialization.data(withJSONObject: requests.map { [$0.0, $0.1 as Any, $0.2 as Any, $0.3] as [Any] })
        let result = try await Tools.run(
            "/usr/bin/python3", ["-c", script, base.host!, String(base.port!), certificate], input: input)
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [Int]
        return try #require(parsed, "\(result.stderr)")
    }

    @Test func tlsAndBasicAuthProtectEverythingButTheProbes() async throws {
        let (simulatorProcess, simulator) = try await startSimulator(flows: 4)
        defer { simulatorProcess.process.terminate() }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let made = try await Tools.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"
            ])
        #expect(made.status == 0, "\(made.stderr)")
        let web = directory.appendingPathComponent("web.yml").path
        try """
        tls_server_config:
          cert_file: cert.pem
          key_file: key.pem
        basic_auth_users:
          prometheus: \(Self.scrapeHash)
        """.write(toFile: web, atomically: true, encoding: .utf8)
        let config = try writeConfig(simulator: simulator, database: "web.db")
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "  listen_address: 127.0.0.1:0", with: "  listen_address: 127.0.0.1:0\n  config_file: \(web)")
        try text.write(toFile: config, atomically: true, encoding: .utf8)

        let exporter = try ChildProcess(
            arguments: ["serve", "--config", config], directory: directory, name: "serve-web",
            environment: ProcessInfo.processInfo.environment.merging(["TEST_API_KEY": "sim-admin-key"]) { $1 })
        defer { exporter.process.terminate() }
        let deadline = Date().addingTimeInterval(60)
        var line: Substring?
        while Date() < deadline, line == nil {
            line = exporter.stdout.split(separator: "\n").first { $0.contains("listening on https://") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let base = try #require(
            line.flatMap { URL(string: String($0[$0.range(of: "https://")!.lowerBound...])) }, "\(exporter.stderr)")

        let right = ("prometheus", "scrape-pass")
        var got = await try statuses(
            base, certificate: certificate,
            [
                ("/metrics", nil, nil, 0), ("/metrics", "prometheus", "wrong", 0), ("/metrics", "nobody", "scrape-pass", 0),
                ("/metrics", right.0, right.1, 0), ("/health", nil, nil, 0), ("/api/v1/sla", nil, nil, 0),
                ("/-/healthy", nil, nil, 0), ("/", nil, nil, 0), ("/health", right.0, right.1, 0),
                ("/metrics", right.0, right.1, 40_000)
            ])
        // /-/ready is open too, but answers 503 until the first poll: not asserted here.
        #expect(got == [401, 401, 401, 200, 401, 401, 200, 401, 200, got[9]])
        #expect(got[9] != 200, "a 40 KB header is refused (\(got[9]))")

        // Plain HTTP on the TLS port gets nothing useful.
        let plain = try? await HTTP.get(URL(string: "http://\(base.host!):\(base.port!)/-/healthy")!)
        #expect(plain == nil || plain!.0 != 200)

        // Failed logins are counted (in the exposition, read with credentials).
        let metrics = try await Tools.run(
            "/usr/bin/python3",
            [
                "-c",
                """
                import base64, http.client, ssl, sys
                context = ssl.create_default_context(cafile=sys.argv[3])
                connection = http.client.HTTPSConnection(sys.argv[1], int(sys.argv[2]), context=context, timeout=10)
                connection.request("GET", "/metrics", headers={"Authorization": "Basic " + base64.b64encode(b"prometheus:scrape-pass").decode()})
                print(connection.getresponse().read().decode())
                """, base.host!, String(base.port!), certificate
            ])
        let failures = metrics.stdout.split(separator: "\n").first { $0.hasPrefix("etlworks_exporter_http_auth_failures_total ") }
        #expect(failures.flatMap { Double($0.split(separator: " ")[1]) } ?? 0 >= 6, "\(failures ?? "missing")")

        // The file is re-read when it changes: the old password stops working, the new one works.
        try Task.checkCancellation()
        try await Task.sleep(for: .seconds(1.1))
        try "tls_server_config: {cert_file: cert.pem, key_file: key.pem}\nbasic_auth_users:\n  prometheus: \(Self.rotatedHash)\n"
            .write(toFile: web, atomically: true, encoding: .utf8)
        var rotated = false
        for _ in 0..<20 where !rotated {
            try await Task.sleep(for: .milliseconds(500))
            got = await try statuses(
                base, certificate: certificate,
                [
                    ("/metrics", "prometheus", "scrape-pass", 0),
                    ("/metrics", "prometheus", "rotated-pass", 0)
                ])
            rotated = got == [401, 200]
        }
        #expect(rotated, "the changed users apply without a restart")

        // An invalid version is logged and ignored.
        try await Task.sleep(for: .seconds(1.1))
        try "basic_auth_users:\n  prometheus: not-a-hash\n".write(toFile: web, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .seconds(2.5))
        got = await try statuses(base, certificate: certificate, [("/metrics", "prometheus", "rotated-pass", 0)])
        #expect(got == [200])
        #expect(exporter.stderr.contains("web.config_file is invalid"))
        #expect(!exporter.stderr.contains("rotated-pass") && !exporter.stderr.contains(Self.rotatedHash))

        // check-config names the bad user, not the hash.
        let check = try await Tools.run(
            Tools.exporterBinary.path, ["check-config", "--config", config],
            environment: ProcessInfo.processInfo.environment.merging(["TEST_API_KEY": "k"]) { $1 })
        #expect(check.status == 1)
        #expect((check.stdout + check.stderr).contains("basic_auth_users.prometheus"), "\(check.stdout)\(check.stderr)")
    }
}
