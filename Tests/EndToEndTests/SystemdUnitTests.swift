import Foundation
import TestSupport
import Testing

/// The systemd unit as its header documents it: the install steps run (into a scratch root),
/// systemd's part done as systemd does it (LoadCredential= copies the credential into a
/// directory the service's dynamic user alone can read; StateDirectory= is that user's), and
/// the binary run as an unprivileged user id: it reads its configuration and the API key,
/// and polls. Then `systemd-analyze verify` on the unit.
@Suite(.endToEnd, .requires("setpriv", "systemd-analyze", "sh"), .serialized)
struct SystemdUnitTests {
    static let unitDirectory = VersionTests.root.appendingPathComponent("deploy/systemd")
    /// A user id no account holds, as DynamicUser= picks one.
    static let dynamicUser = "61234"

    /// The `#   ` command lines of the unit's header.
    static func installSteps(_ unit: String) -> [String] {
        unit.split(separator: "\n").prefix { $0.hasPrefix("#") }.filter { $0.hasPrefix("#   ") }
            .map { String($0.dropFirst(4)) }
    }

    @Test func theDocumentedInstallRunsUnderADynamicUserWithTheKeyAsACredential() async throws {
        let scratch = try Tools.temporaryDirectory()
        // The unprivileged user must reach the installed files, as it reaches / on a host.
        _ = try await Tools.run("/bin/chmod", ["0755", scratch.path])
        let root = scratch.appendingPathComponent("root")
        let staging = scratch.appendingPathComponent("staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for file in ["etlworks-exporter.yaml", "etlworks-exporter.service"] {
            try FileManager.default.copyItem(
                at: Self.unitDirectory.appendingPathComponent(file), to: staging.appendingPathComponent(file))
        }
        try FileManager.default.copyItem(at: Tools.exporterBinary, to: staging.appendingPathComponent("etlworks-exporter"))

        // 1. The header's steps, into the scratch root; systemctl is systemd's business.
        let unit = try String(contentsOf: Self.unitDirectory.appendingPathComponent("etlworks-exporter.service"), encoding: .utf8)
        let steps = Self.installSteps(unit)
        #expect(steps.count >= 5, "\(steps)")
        let key = "systemd-test-key"
        for step in steps where !step.hasPrefix("systemctl") {
            let command = step.replacingOccurrences(of: " /etc/", with: " \(root.path)/etc/")
                .replacingOccurrences(of: " /usr/local/", with: " \(root.path)/usr/local/")
                .replacingOccurrences(of: "YOUR-API-KEY", with: key)
            let result = try await Tools.run("/bin/sh", ["-c", "cd '\(staging.path)' && \(command)"])
            try #require(result.status == 0, "install step `\(step)`: \(result.stderr)")
        }
        let config = root.appendingPathComponent("etc/etlworks-exporter/etlworks-exporter.yaml")
        let keyFile = root.appendingPathComponent("etc/etlworks-exporter/api-key")
        let binary = root.appendingPathComponent("usr/local/bin/etlworks-exporter").path
        // The operator's edit: the tenant's URL.
        let simulator = try await SimulatorHarness.start()
        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: "url: https://app.etlworks.com", with: "url: \(simulator.baseURL.absoluteString)")
            .write(to: config, atomically: false, encoding: .utf8) // in place: the mode the steps gave stays

        // 2. What systemd does at start: each LoadCredential=NAME:PATH copied into a directory
        // of the service's user (0500, files 0400); the state directory its own (0700).
        let credentials = scratch.appendingPathComponent("run/credentials/etlworks-exporter.service")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        let loads = unit.split(separator: "\n").filter { $0.hasPrefix("LoadCredential=") }
        #expect(loads.count == 1, "one credential: the API key")
        for line in loads {
            let parts = line.dropFirst("LoadCredential=".count).split(separator: ":", maxSplits: 1).map(String.init)
            let source = root.appendingPathComponent(String(parts[1].dropFirst()))
            let target = credentials.appendingPathComponent(parts[0]).path
            let copied = try await Tools.run(
                "/bin/sh",
                ["-c", "install -m 0400 -o \(Self.dynamicUser) -g \(Self.dynamicUser) '\(source.path)' '\(target)'"])
            try #require(copied.status == 0, "credential \(parts[0]) from \(source.path): \(copied.stderr)")
        }
        _ = try await Tools.run("/bin/chown", ["-R", "\(Self.dynamicUser):\(Self.dynamicUser)", credentials.path])
        _ = try await Tools.run("/bin/chmod", ["0500", credentials.path])
        _ = try await Tools.run(
            "/bin/chmod", ["0755", scratch.appendingPathComponent("run").path, credentials.deletingLastPathComponent().path])
        let state = scratch.appendingPathComponent("state")
        _ = try await Tools.run(
            "/bin/sh", ["-c", "install -d -m 0700 -o \(Self.dynamicUser) -g \(Self.dynamicUser) '\(state.path)'"])

        // 3. As the dynamic user: the key on disk stays unreadable, the configuration and the
        // credential are read, and the exporter polls with the key.
        let setpriv = try Tools.which("setpriv")
        let asService = [
            "--reuid=\(Self.dynamicUser)", "--regid=\(Self.dynamicUser)", "--clear-groups", "env",
            "CREDENTIALS_DIRECTORY=\(credentials.path)"
        ]
        let peek = try await Tools.run(setpriv, asService + ["cat", keyFile.path])
        #expect(peek.status != 0, "the key on disk is root's alone")
        let checked = try await Tools.run(setpriv, asService + [binary, "check-config", "--config", config.path])
        #expect(checked.status == 0, "check-config as the service's user: \(checked.stdout) \(checked.stderr)")
        let serve = try ChildProcess(
            arguments: asService + [
                binary, "serve", "--config", config.path, "--web.listen-address", "127.0.0.1:0",
                "--storage.path", state.appendingPathComponent("etlworks-exporter.db").path
            ], directory: scratch, name: "serve", executable: URL(fileURLWithPath: setpriv))
        defer { serve.stop() }
        let url = try await serve.listeningURL()
        var up = false
        for _ in 0..<60 where !up {
            let (_, body, _) = try await HTTP.get(url.appendingPathComponent("metrics"))
            up = String(decoding: body, as: UTF8.self).contains("\netlworks_up 1\n")
            if !up { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(up, "the exporter polled with the credential's key: \(serve.stderr.suffix(1500))")

        // 4. The unit itself, with ExecStart= where the steps installed the binary.
        let verified = scratch.appendingPathComponent("etlworks-exporter.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/etlworks-exporter", with: binary)
            .write(to: verified, atomically: true, encoding: .utf8)
        let verify = try await Tools.run(try Tools.which("systemd-analyze"), ["verify", "--man=no", verified.path])
        #expect(verify.status == 0 && verify.stderr.isEmpty && verify.stdout.isEmpty, "\(verify.stdout) \(verify.stderr)")
    }
}
