import BlockingThreads
import ExporterBase
import Foundation
import Logging
import Synchronization

/// Checks HTTP basic authentication against the web configuration file's users.
///
/// bcrypt is slow on purpose, so it never runs where it could hold anything back (as
/// exporter-toolkit does it): credentials already verified, or refused in the last seconds,
/// are answered from a cache under a lock held for microseconds; bcrypt itself runs on a small
/// pool of threads of its own, never on Swift's cooperative pool, and when that pool's queue
/// is full the request is answered "busy" (429) at once. An unknown name costs as much as the
/// dearest known hash, so timing tells no names apart.
///
/// The file is re-read when its content changes (looked at once a second at most, by a
/// monotonic clock; read through symlinks, so a Kubernetes secret's symlink swap counts). A
/// version that does not parse is logged and the last valid one stays in force; so do the
/// users when a new version names none (an empty or half-written file must not switch
/// authentication off: that takes a SIGHUP or a restart).
public final class WebAuthenticator: Sendable {
    /// The answer to one request's credentials.
    public enum Verdict: Sendable, Equatable {
        case allowed, refused
        /// Too many checks waiting for bcrypt: ask again shortly.
        case busy
    }

    /// How long a refused credential is refused without running bcrypt again.
    static let failureMemory = Duration.seconds(10)
    /// Checks running or waiting for bcrypt before requests are answered "busy".
    static let maxPending = 16

    private struct State {
        var users: [String: PasswordHash]
        /// The hash unknown names are checked against: the dearest configured.
        var decoy: PasswordHash?
        /// SHA-256 of the content last read.
        var contentHash: [UInt8]?
        var lastLook: ContinuousClock.Instant?
        var failed: [String: ContinuousClock.Instant] = [:]
        var pending = 0

        mutating func set(_ users: [String: PasswordHash]) {
            self.users = users
            decoy = users.values.max { $0.cost < $1.cost }
            failed.removeAll()
        }
    }

    /// Credentials verified by bcrypt, by a digest of name, password and the hash they
    /// matched: kept for the life of the process, across changes of the file and SIGHUP's
    /// new authenticator, so that a flood of wrong passwords after a reload cannot starve a
    /// scraper whose credential was verified before (a changed hash gives another digest).
    private static let verified = Mutex<Set<String>>([])
    /// Most digests kept: past it the set starts anew (each is re-verified once).
    static let maxVerified = 1000

    private let path: String
    private let logger: Logger
    private let tls: (enabled: Bool, certFile: String?)
    private let state: Mutex<State>
    private let bcrypt: BlockingThreads
    /// The clock the file's re-reading and the memory of failures follow (a test's own).
    private let now: @Sendable () -> ContinuousClock.Instant
    /// bcrypt verifications started, for tests: a verified or remembered credential starts none.
    let verifications = Atomic<Int>(0)

    /// `config` is the file at `path` as already read, so that the server's TLS and the users
    /// come from one reading of it. `threads` run bcrypt.
    public init(
        path: String, config: WebConfig, logger: Logger, threads: Int = 2,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.path = path
        self.now = now
        self.logger = logger
        tls = (config.tls, config.certFile)
        var initial = State(users: [:], contentHash: FileManager.default.contents(atPath: path).map { SHA256.hash(Array($0)) })
        initial.set(config.hashes)
        state = Mutex(initial)
        bcrypt = BlockingThreads(name: "bcrypt", count: threads)
    }

    deinit { bcrypt.stop() }

    /// The verdict on an `Authorization` header (always allowed when the file names no users).
    public func authenticate(_ authorization: String?) async -> Verdict {
        reloadIfChanged()
        let now = self.now()
        guard let (name, password) = BasicAuthorization.credentials(authorization) else {
            return state.withLock { $0.users.isEmpty } ? .allowed : .refused
        }
        // Looked up, and a place in the queue taken, in one short critical section.
        enum Step {
            case answer(Verdict)
            case check(PasswordHash, known: Bool, key: String)
        }
        let step: Step = state.withLock { state in
            guard let hash = state.users[name] ?? state.decoy else { return .answer(.allowed) }
            let known = state.users[name] != nil
            let key = SHA256.hex(SHA256.hash(Array("\(name)\u{0}\(password)\u{0}\(hash.text)".utf8)))
            if known && Self.verified.withLock({ $0.contains(key) }) { return .answer(.allowed) }
            if let at = state.failed[key], now - at < Self.failureMemory { return .answer(.refused) }
            guard state.pending < Self.maxPending else { return .answer(.busy) }
            state.pending += 1
            return .check(hash, known: known, key: key)
        }
        let (hash, known, key): (PasswordHash, Bool, String)
        switch step {
        case .answer(let verdict): return verdict
        case .check(let checked, let isKnown, let cacheKey): (hash, known, key) = (checked, isKnown, cacheKey)
        }
        verifications.add(1, ordering: .relaxed)
        let matches = (try? await bcrypt.run { hash.verify(password) }) ?? false
        return state.withLock { state in
            state.pending -= 1
            if matches && known {
                Self.verified.withLock { verified in
                    if verified.count >= Self.maxVerified { verified.removeAll() }
                    verified.insert(key)
                }
                return .allowed
            }
            if state.failed.count > 10_000 { state.failed = state.failed.filter { now - $0.value < Self.failureMemory } }
            state.failed[key] = now
            return .refused
        }
    }

    private func reloadIfChanged() {
        let now = self.now()
        let due = state.withLock { state -> Bool in
            if let last = state.lastLook, now - last < .seconds(1) { return false }
            state.lastLook = now
            return true
        }
        // contents(atPath:) follows symlinks, as a modification date read with lstat does not.
        guard due, let data = FileManager.default.contents(atPath: path) else { return }
        let hash = SHA256.hash(Array(data))
        guard state.withLock({ $0.contentHash != hash }) else { return }
        state.withLock { $0.contentHash = hash }
        do {
            let loaded = try WebConfig.parse(
                String(decoding: data, as: UTF8.self), directory: (path as NSString).deletingLastPathComponent)
            if loaded.tls != tls.enabled || loaded.certFile != tls.certFile {
                logger.warning("web.config_file: TLS changes take effect after SIGHUP or a restart")
            }
            let applied = state.withLock { state -> Bool in
                if loaded.users.isEmpty && !state.users.isEmpty { return false }
                state.set(loaded.hashes)
                return true
            }
            guard applied else {
                logger.error(
                    "web.config_file now names no users; keeping the previous ones (switching authentication off takes a SIGHUP or a restart)"
                )
                return
            }
            logger.info("web.config_file re-read", metadata: ["users": "\(loaded.users.count)"])
        } catch {
            for issue in error.issues {
                logger.error("web.config_file is invalid; keeping the previous one", metadata: ["problem": "\(issue)"])
            }
        }
    }
}
