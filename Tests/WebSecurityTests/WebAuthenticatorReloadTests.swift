import Foundation
import Logging
import TestSupport
import Testing

@testable import WebSecurity

/// Hot reload of web.config_file: a file that names no users (empty, half-written) never
/// switches authentication off, and a Kubernetes-style symlink swap is noticed.
@Suite struct WebAuthenticatorReloadTests {
    static let secret = (password: "secret", hash: "$2b$04$g3f/Iznm5MwfucHfnNdEUOzkpEJ8OftCnIL73b2fIbuxEUMgfnYH6")
    static let other = (password: "", hash: "$2b$04$d2KMbxVZIXJgMj1PHvN5B.Q7vRqR2RDjmg9ZlTyFIP9lLlZrwodYG")

    static func basic(_ name: String, _ password: String) -> String {
        "Basic " + Data("\(name):\(password)".utf8).base64EncodedString()
    }

    static func users(_ hash: String) -> String { "basic_auth_users:\n  alice: \"\(hash)\"\n" }

    /// The file is looked at again once a second of `clock` has passed.
    func authenticator(_ path: String, clock: SteppedInstant) throws -> WebAuthenticator {
        WebAuthenticator(path: path, config: try WebConfig.load(path: path), logger: Logger(label: "test"), now: clock.now)
    }

    @Test func aFileThatNoLongerNamesUsersKeepsTheUsersUntilSIGHUP() async throws {
        let path = try Tools.temporaryDirectory().appendingPathComponent("web.yml").path
        try Self.users(Self.secret.hash).write(toFile: path, atomically: true, encoding: .utf8)
        let clock = SteppedInstant()
        let auth = try authenticator(path, clock: clock)
        #expect(await auth.authenticate(nil) == .refused)
        for emptied in ["", "basic_auth_users: {}\n", "# being rewritten\n"] {
            try emptied.write(toFile: path, atomically: true, encoding: .utf8)
            clock.advance(by: .milliseconds(1100))
            #expect(await auth.authenticate(nil) == .refused, "'\(emptied)' switched authentication off")
            #expect(await auth.authenticate(Self.basic("alice", Self.secret.password)) == .allowed)
        }
    }

    @Test func aSymlinkSwapIsNoticed() async throws {
        let directory = try Tools.temporaryDirectory()
        let files = FileManager.default
        func version(_ name: String, _ hash: String) throws {
            try files.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
            try Self.users(hash).write(
                to: directory.appendingPathComponent("\(name)/web.yml"), atomically: true, encoding: .utf8)
        }
        // As a Kubernetes secret volume: web.yml -> ..data/web.yml, ..data -> ..v1.
        try version("..v1", Self.secret.hash)
        try files.createSymbolicLink(atPath: directory.appendingPathComponent("..data").path, withDestinationPath: "..v1")
        try files.createSymbolicLink(
            atPath: directory.appendingPathComponent("web.yml").path, withDestinationPath: "..data/web.yml")
        let clock = SteppedInstant()
        let auth = try authenticator(directory.appendingPathComponent("web.yml").path, clock: clock)
        #expect(await auth.authenticate(Self.basic("alice", Self.secret.password)) == .allowed)
        // The new version appears and ..data is swapped to it (rename over the old link).
        try version("..v2", Self.other.hash)
        try files.createSymbolicLink(atPath: directory.appendingPathComponent("..data_tmp").path, withDestinationPath: "..v2")
        #expect(rename(directory.appendingPathComponent("..data_tmp").path, directory.appendingPathComponent("..data").path) == 0)
        // Within the second the file is not looked at; after it, the swap is seen.
        #expect(await auth.authenticate(Self.basic("alice", Self.secret.password)) == .allowed)
        clock.advance(by: .milliseconds(1100))
        #expect(await auth.authenticate(Self.basic("alice", Self.other.password)) == .allowed, "the new password applies")
        #expect(await auth.authenticate(Self.basic("alice", Self.secret.password)) == .refused, "the old one no longer does")
    }
}
