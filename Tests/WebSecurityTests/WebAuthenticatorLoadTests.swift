import Foundation
import HummingbirdBcrypt
import Logging
import Synchronization
import TestSupport
import Testing

@testable import WebSecurity

/// Wrong passwords cost bcrypt runs; they must not hold back credentials already verified.
/// bcrypt used to run inside the authenticator's actor, so every scrape queued behind them.
@Suite struct WebAuthenticatorLoadTests {
    static func basic(_ name: String, _ password: String) -> String {
        "Basic " + Data("\(name):\(password)".utf8).base64EncodedString()
    }

    @Test func wrongPasswordsNeitherDelayVerifiedCredentialsNorQueueWithoutBound() async throws {
        // Cost 11: a check takes a noticeable time, so that 40 of them keep both threads busy.
        let hash = Bcrypt.hash("right", cost: 11)
        let path = try Tools.temporaryDirectory().appendingPathComponent("web.yml").path
        try "basic_auth_users:\n  prometheus: \"\(hash)\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let auth = WebAuthenticator(path: path, config: try WebConfig.load(path: path), logger: Logger(label: "test"))
        #expect(await auth.authenticate(Self.basic("prometheus", "right")) == .allowed)

        let attack = Task {
            await withTaskGroup(of: (Int, WebAuthenticator.Verdict).self) { group in
                for attempt in 0..<40 {
                    group.addTask { (attempt, await auth.authenticate(Self.basic("prometheus", "wrong-\(attempt)"))) }
                }
                return await group.reduce(into: [WebAuthenticator.Verdict](repeating: .busy, count: 40)) { $0[$1.0] = $1.1 }
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        // While they run: a verified scrape is answered from the cache, never queued behind
        // them for a bcrypt run of its own.
        for _ in 0..<20 { #expect(await auth.authenticate(Self.basic("prometheus", "right")) == .allowed) }
        let verdicts = await attack.value
        #expect(!verdicts.contains(.allowed))
        #expect(verdicts.filter { $0 == .busy }.count >= 40 - WebAuthenticator.maxPending, "the queue is bounded: \(verdicts)")
        let checked = verdicts.filter { $0 == .refused }.count
        #expect(
            auth.verifications.load(ordering: .relaxed) == 1 + checked,
            "one bcrypt run for the first scrape and one per wrong password checked, none for the 20 verified scrapes")
        // A refused credential is refused again without a bcrypt run.
        let refusedAttempt = try #require(verdicts.firstIndex(of: .refused))
        #expect(await auth.authenticate(Self.basic("prometheus", "wrong-\(refusedAttempt)")) == .refused)
        #expect(auth.verifications.load(ordering: .relaxed) == 1 + checked)
        #expect(await auth.authenticate(Self.basic("nobody", "right")) == .refused)
    }

    /// A flood of wrong passwords filled the bcrypt queue after SIGHUP (which builds a new
    /// authenticator) or a change of the file, and a scraper verified before got 429 until
    /// the flood ended. Verified credentials survive both while their hash is unchanged.
    @Test func aCredentialVerifiedBeforeAReloadIsNotQueuedBehindAFlood() async throws {
        let hash = Bcrypt.hash("right-before-reload", cost: 10)
        let directory = try Tools.temporaryDirectory()
        let path = directory.appendingPathComponent("web.yml").path
        try "basic_auth_users:\n  scraper: \"\(hash)\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let before = WebAuthenticator(path: path, config: try WebConfig.load(path: path), logger: Logger(label: "test"))
        #expect(await before.authenticate(Self.basic("scraper", "right-before-reload")) == .allowed)
        // SIGHUP: a new authenticator from the same file, with one more user.
        try "basic_auth_users:\n  scraper: \"\(hash)\"\n  other: \"\(hash)\"\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let after = WebAuthenticator(path: path, config: try WebConfig.load(path: path), logger: Logger(label: "test"))
        let flood = Task {
            await withTaskGroup(of: WebAuthenticator.Verdict.self) { group in
                for attempt in 0..<40 { group.addTask { await after.authenticate(Self.basic("scraper", "flood-\(attempt)")) } }
                return await group.reduce(into: [WebAuthenticator.Verdict]()) { $0.append($1) }
            }
        }
        // The queue is full once some flood checks were answered busy; the verified
        // credential is then allowed without a place in it.
        try await Task.sleep(for: .milliseconds(100))
        #expect(await after.authenticate(Self.basic("scraper", "right-before-reload")) == .allowed)
        #expect(await flood.value.contains(.busy), "the flood did fill the queue")
        // A changed hash is verified afresh: the old password no longer passes.
        let changed = Bcrypt.hash("new-password", cost: 4)
        try "basic_auth_users:\n  scraper: \"\(changed)\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let rotated = WebAuthenticator(path: path, config: try WebConfig.load(path: path), logger: Logger(label: "test"))
        #expect(await rotated.authenticate(Self.basic("scraper", "right-before-reload")) == .refused)
        #expect(await rotated.authenticate(Self.basic("scraper", "new-password")) == .allowed)
    }
}
