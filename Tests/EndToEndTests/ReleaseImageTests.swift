import Foundation
import TestSupport
import Testing

/// `scripts/release.sh` as a user runs it, with the test build's binary: the archive, its
/// checksum, and the OCI image started with podman, scraped from outside.
@Suite(.endToEnd, .requires("buildah", "podman", "runc", "tar", "sha256sum"), .serialized)
struct ReleaseImageTests {
    static let root = VersionTests.root

    /// What podman needs on this kind of machine: no ulimits it may not set, cgroups by
    /// file system, runc, the host's network.
    static func podmanEnvironment(in directory: URL) throws -> [String: String] {
        let conf = directory.appendingPathComponent("containers.conf")
        try "[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = \"cgroupfs\"\n".write(
            to: conf, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["CONTAINERS_CONF"] = conf.path
        return environment
    }

    @Test func theReleaseArchiveAndImageRunTheDemoWithTheBuildsRevision() async throws {
        let directory = try Tools.temporaryDirectory()
        let environment = try Self.podmanEnvironment(in: directory)
        let versionLine = try await Tools.run(Tools.exporterBinary.path, ["--version"]).stdout
        let fields = versionLine.split(separator: " ").map(String.init)
        try #require(fields.count == 4, "--version printed \(versionLine)")
        let version = fields[1]
        let revision = String(fields[3].dropLast(2)) // "1a2b3c)\n"
        let dist = directory.appendingPathComponent("dist")

        var release = environment
        release["RELEASE_BINARY"] = Tools.exporterBinary.path
        release["RELEASE_DIST"] = dist.path
        let script = Self.root.appendingPathComponent("scripts/release.sh").path
        // A version the binary does not report is refused.
        let wrong = try await Tools.run(script, ["9.9.9"], environment: release)
        #expect(wrong.status == 1 && wrong.stderr.contains("reports version \(version), not 9.9.9"), "\(wrong.stderr)")

        let built = try await Tools.run(script, [version], environment: release)
        try #require(built.status == 0, "release.sh: \(built.stderr.suffix(3000))")
        let tag = "localhost/etlworks-exporter:\(version.replacingOccurrences(of: "+", with: "_"))"
        #expect(built.stdout.contains(tag))

        // The archive: what an operator unpacks, and its checksum.
        let name = "etlworks-exporter-\(version)-linux-x86_64"
        let listing = try await Tools.run(try Tools.which("tar"), ["-tzf", dist.appendingPathComponent("\(name).tar.gz").path])
        let entries = Set(listing.stdout.split(separator: "\n").map(String.init))
        for file in [
            "etlworks-exporter", "LICENSE", "README.md", "CHANGELOG.md", "etlworks-exporter.example.yaml",
            "etlworks-exporter.service", "etlworks-exporter.yaml",
            "alerts/etlworks-exporter.rules.yml", "dashboards/", "mixin/mixin.libsonnet", "docs/sla.md"
        ] {
            #expect(entries.contains("\(name)/\(file)"), "\(file) missing from the archive: \(entries.sorted().prefix(20))")
        }
        let check = try await Tools.run("/bin/sh", ["-c", "cd '\(dist.path)' && sha256sum -c SHA256SUMS"])
        #expect(check.status == 0 && check.stdout.contains("\(name).tar.gz: OK"), "\(check.stdout) \(check.stderr)")

        // The image's configuration.
        let podman = try Tools.which("podman")
        defer { _ = try? Tools.runBlocking(podman, ["rmi", "-f", tag], input: nil, environment: environment) }
        let inspected = try await Tools.run(podman, ["image", "inspect", tag], environment: environment)
        try #require(inspected.status == 0, "\(inspected.stderr)")
        let image = try #require(
            (try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [[String: Any]])?.first)
        let config = try #require(image["Config"] as? [String: Any])
        let labels = try #require(config["Labels"] as? [String: String])
        #expect(labels["org.opencontainers.image.version"] == version)
        #expect(labels["org.opencontainers.image.revision"] == revision)
        #expect(labels["org.opencontainers.image.licenses"] == "Apache-2.0")
        #expect(labels["org.opencontainers.image.source"]?.hasPrefix("https://") == true)
        #expect(labels["org.opencontainers.image.created"]?.isEmpty == false)
        #expect(config["User"] as? String == "10001:10001")
        #expect((config["Volumes"] as? [String: Any])?.keys.contains("/var/lib/etlworks-exporter") == true)

        // Can podman run a container here at all? If not, say so: skipped, never green.
        let probe = try await Tools.run(
            podman, ["--runtime", "runc", "run", "--rm", "--network", "host", tag, "--version"], environment: environment)
        if probe.status != 0 {
            try Test.cancel("podman cannot run a container on this machine: \(probe.stderr.suffix(500))")
        }
        #expect(probe.stdout == versionLine)

        // The image's demo, scraped from outside.
        let container = "etlworks-release-test-\(getpid())"
        let demo = try ChildProcess(
            arguments: [
                "--runtime", "runc", "run", "--rm", "--name", container, "--network", "host", tag, "demo",
                "--web.listen-address", "127.0.0.1:0", "--storage.path", "/var/lib/etlworks-exporter/demo.db"
            ], directory: directory, name: "podman", environment: environment, executable: URL(fileURLWithPath: podman))
        defer {
            _ = try? Tools.runBlocking(podman, ["rm", "-f", container], input: nil, environment: environment)
            demo.stop()
        }
        let url = try await demo.listeningURL(timeout: 120)
        var metrics = ""
        for _ in 0..<120 {
            metrics = String(decoding: (try? await HTTP.get(url.appendingPathComponent("metrics")))?.1 ?? Data(), as: UTF8.self)
            if metrics.contains("etlworks_flow_runs_total{") { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(metrics.contains(#"etlworks_exporter_build_info{version="\#(version)",revision="\#(revision)"} 1"#))
        #expect(metrics.contains("etlworks_flow_runs_total{"), "the demo's runs reached /metrics")
        #expect(metrics.contains("process_resident_memory_bytes "))
        let (status, body, _) = try await HTTP.get(url.appendingPathComponent("health"))
        #expect(status == 200)
        let document = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        #expect(document?["status"] != nil, "\(String(decoding: body, as: UTF8.self))")
    }
}
