import Foundation
import TestSupport
import Testing

/// `--version` names the git revision the binary was built from.
@Suite(.endToEnd, .requires("git")) struct VersionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The revision `--version` prints.
    static func builtRevision() async throws -> String {
        let result = try await Tools.run(Tools.exporterBinary.path, ["--version"])
        guard result.status == 0, let range = result.stdout.range(of: #"\(revision ([0-9a-z]+)\)"#, options: .regularExpression)
        else { throw HarnessError("--version printed \(result.stdout) \(result.stderr)") }
        return String(result.stdout[range].dropFirst("(revision ".count).dropLast())
    }

    @Test func versionPrintsTheVersionAndTheCheckedOutRevision() async throws {
        let head = try await Tools.run(try Tools.which("git"), ["-C", Self.root.path, "rev-parse", "--short=12", "HEAD"])
        try #require(head.status == 0, "not a git checkout: \(head.stderr)")
        let printed = try await Tools.run(Tools.exporterBinary.path, ["--version"]).stdout
        #expect(printed.hasPrefix("etlworks-exporter 0."))
        await #expect(try Self.builtRevision() == head.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
