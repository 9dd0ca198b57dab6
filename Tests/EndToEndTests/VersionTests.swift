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
        // The version is the one scripts/version.sh gives this checkout.
        let stamped = try await Tools.run(
            "/bin/sh", [Self.root.appendingPathComponent("scripts/version.sh").path, Self.root.path])
        let fields = stamped.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(printed == "etlworks-exporter \(fields[0]) (revision \(fields[1]))\n", "\(printed)")
    }

    /// A checkout at a `vX.Y.Z` tag is that version; any other is the changelog's newest
    /// version with `-dev+<revision>`; outside git, `.build-version`, else the revision is unknown.
    @Test func theVersionComesFromTheTagElseTheChangelog() async throws {
        let repo = try Tools.temporaryDirectory()
        try FileManager.default.createDirectory(at: repo.appendingPathComponent("scripts"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Self.root.appendingPathComponent("scripts/version.sh"), to: repo.appendingPathComponent("scripts/version.sh"))
        try "# Changelog\n\n## [1.4.0] - unreleased\n\n## [1.3.2] - 2026-11-01\n".write(
            to: repo.appendingPathComponent("CHANGELOG.md"), atomically: true, encoding: .utf8)
        let git = try Tools.which("git")
        func run(_ arguments: [String]) async throws -> String {
            let result = try await Tools.run(git, ["-C", repo.path, "-c", "user.name=t", "-c", "user.email=t@t"] + arguments)
            #expect(result.status == 0, "git \(arguments): \(result.stderr)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func version() async throws -> String {
            try await Tools.run("/bin/sh", [repo.appendingPathComponent("scripts/version.sh").path, repo.path]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try await version() == "1.4.0-dev+unknown unknown", "not yet a git checkout")
        // Outside git, what deploy/Dockerfile writes from its build arguments; a checkout ignores it.
        try "1.4.0 0123456789ab\n".write(to: repo.appendingPathComponent(".build-version"), atomically: true, encoding: .utf8)
        #expect(try await version() == "1.4.0 0123456789ab")
        _ = try await run(["init", "-q"])
        _ = try await run(["add", "."])
        _ = try await run(["commit", "-q", "-m", "one"])
        var revision = try await run(["rev-parse", "--short=12", "HEAD"])
        #expect(try await version() == "1.4.0-dev+\(revision) \(revision)")
        _ = try await run(["tag", "v1.4.0"])
        #expect(try await version() == "1.4.0 \(revision)")
        _ = try await run(["commit", "-q", "--allow-empty", "-m", "two"])
        revision = try await run(["rev-parse", "--short=12", "HEAD"])
        #expect(try await version() == "1.4.0-dev+\(revision) \(revision)", "past the tag: a development build")
    }
}
