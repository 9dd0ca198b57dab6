import Foundation
import TestSupport
import Testing

/// deploy/kubernetes rendered by kustomize (`kubectl kustomize`) as a user applies it, and
/// validated against the Kubernetes schemas by `kubernetes-validate` (PyPI).
@Suite(.endToEnd, .requires("kubectl", "kubernetes-validate", "python3"), .serialized)
struct KubernetesKitTests {
    /// A copy of the kit, so that a test can add the user's files.
    static func kit() throws -> URL {
        let directory = try Tools.temporaryDirectory().appendingPathComponent("kubernetes")
        try FileManager.default.copyItem(at: VersionTests.root.appendingPathComponent("deploy/kubernetes"), to: directory)
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("api-key"))
        return directory
    }

    /// `kubectl kustomize` of the kit: the YAML, or the error.
    static func render(_ kit: URL) async throws -> (status: Int32, yaml: String, stderr: String) {
        let result = try await Tools.run(try Tools.which("kubectl"), ["kustomize", kit.path])
        return (result.status, result.stdout, result.stderr)
    }

    /// The rendered documents, as JSON objects.
    static func documents(_ yaml: String) async throws -> [[String: Any]] {
        let json = try await Tools.run(
            try Tools.which("python3"),
            ["-c", "import sys, yaml, json; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))"],
            input: Data(yaml.utf8))
        guard json.status == 0, let list = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        else { throw HarnessError("could not parse the rendering: \(json.stderr)") }
        return list
    }

    static func named(_ kind: String, in documents: [[String: Any]]) -> [String: Any]? {
        documents.first { $0["kind"] as? String == kind }
    }

    static func name(_ document: [String: Any]?) -> String? { (document?["metadata"] as? [String: Any])?["name"] as? String }

    @Test func theKitTakesTheKeyFromTheUserAndRollsThePodOnAConfigurationChange() async throws {
        let kit = try Self.kit()
        // Without the user's key file there is no Secret, and no placeholder either.
        let withoutKey = try await Self.render(kit)
        #expect(withoutKey.status != 0 && withoutKey.stderr.contains("api-key"), "\(withoutKey.stderr)")

        try "the-users-key".write(to: kit.appendingPathComponent("api-key"), atomically: true, encoding: .utf8)
        let rendered = try await Self.render(kit)
        try #require(rendered.status == 0, "\(rendered.stderr)")
        let documents = try await Self.documents(rendered.yaml)
        let secret = try #require(Self.named("Secret", in: documents))
        #expect((secret["data"] as? [String: String])?["api-key"] == Data("the-users-key".utf8).base64EncodedString())
        let configMap = try #require(Self.named("ConfigMap", in: documents))
        let deployment = try #require(Self.named("Deployment", in: documents))
        let volumes =
            ((((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["volumes"]
                as? [[String: Any]]) ?? []
        let configVolume = volumes.compactMap { ($0["configMap"] as? [String: Any])?["name"] as? String }.first
        let secretVolume = volumes.compactMap { ($0["secret"] as? [String: Any])?["secretName"] as? String }.first
        // Generated names carry a hash of the content, and the Deployment names them.
        #expect(Self.name(configMap)?.hasPrefix("etlworks-exporter-") == true)
        #expect(configVolume == Self.name(configMap) && secretVolume == Self.name(secret), "\(volumes)")
        let containers =
            (((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"]
            as? [[String: Any]]
        // The image scripts/release.sh builds, at the changelog's version.
        let version =
            try await Tools.run("/bin/sh", [VersionTests.root.appendingPathComponent("scripts/version.sh").path])
            .stdout.split(separator: "-").first.map(String.init)?.split(separator: " ").first.map(String.init) ?? ""
        #expect(containers?.first?["image"] as? String == "localhost/etlworks-exporter:\(version)")

        // A configuration change: a new ConfigMap name in the pod template, so the pod rolls.
        let config = kit.appendingPathComponent("etlworks-exporter.yaml")
        try (try String(contentsOf: config, encoding: .utf8) + "\n# changed\n").write(
            to: config, atomically: true, encoding: .utf8)
        let changed = try await Self.documents(try await Self.render(kit).yaml)
        #expect(Self.name(Self.named("ConfigMap", in: changed)) != Self.name(configMap))
        #expect(Self.name(Self.named("Secret", in: changed)) == Self.name(secret))

        // Every manifest against the schemas, strictly (unknown fields rejected).
        let file = kit.deletingLastPathComponent().appendingPathComponent("rendered.yaml")
        try rendered.yaml.write(to: file, atomically: true, encoding: .utf8)
        let validated = try await Tools.run(try Tools.which("kubernetes-validate"), ["--strict", file.path])
        #expect(validated.status == 0, "\(validated.stdout) \(validated.stderr)")
        for kind in ["configmap", "secret", "service", "persistentvolumeclaim", "deployment"] {
            #expect(validated.stdout.contains("passed for resource \(kind)/"), "\(kind): \(validated.stdout)")
        }
    }

    @Test func theKubePrometheusStackComponentAddsTheReleaseLabel() async throws {
        let kit = try Self.kit()
        try "k".write(to: kit.appendingPathComponent("api-key"), atomically: true, encoding: .utf8)
        let plain = try await Self.documents(try await Self.render(kit).yaml)
        // As the kustomization's comment says: uncomment `components`.
        let kustomization = kit.appendingPathComponent("kustomization.yaml")
        let text = try String(contentsOf: kustomization, encoding: .utf8)
        try #require(text.contains("# components:\n#   - components/kube-prometheus-stack"))
        try text.replacingOccurrences(
            of: "# components:\n#   - components/kube-prometheus-stack", with: "components:\n  - components/kube-prometheus-stack"
        ).write(to: kustomization, atomically: true, encoding: .utf8)
        let rendered = try await Self.render(kit)
        try #require(rendered.status == 0, "\(rendered.stderr)")
        let documents = try await Self.documents(rendered.yaml)
        for kind in ["ServiceMonitor", "PrometheusRule"] {
            func release(_ documents: [[String: Any]]) -> String? {
                ((Self.named(kind, in: documents)?["metadata"] as? [String: Any])?["labels"] as? [String: String])?["release"]
            }
            #expect(release(plain) == nil)
            #expect(release(documents) == "kube-prometheus-stack", "\(kind)")
        }
        #expect(
            ((Self.named("Deployment", in: documents)?["metadata"] as? [String: Any])?["labels"] as? [String: String])?["release"]
                == nil)
    }
}
