import ExporterBase
import Foundation
import Logging

/// Checks HTTP basic authentication against the web configuration file's users, re-reading
/// the file when its content changes (looked at once a second at most, by a monotonic
/// clock; the content is read through symlinks, so a Kubernetes secret's symlink swap counts).
/// A file that becomes invalid is logged and the last valid one stays in force; so do the
/// users when a new version names none (an empty or half-written file must not switch
/// authentication off: that takes a SIGHUP or a restart). Verified credentials are remembered (by
/// a hash of name, password and stored hash), so scrapes do not pay for bcrypt each time.
public actor WebAuthenticator {
    private let path: String
    private let logger: Logger
    private var config: WebConfig
    /// SHA-256 of the content last read.
    private var contentHash: [UInt8]?
    private var lastLook: ContinuousClock.Instant?
    private var verified: Set<String> = []

    /// `config` is the file at `path` as already read, so that the server's TLS and the
    /// users come from one reading of it.
    public init(path: String, config: WebConfig, logger: Logger) {
        self.path = path
        self.logger = logger
        self.config = config
        contentHash = FileManager.default.contents(atPath: path).map { SHA256.hash(Array($0)) }
    }

    /// Whether the `Authorization` header passes (always, when the file names no users).
    public func authenticate(_ authorization: String?) -> Bool {
        reloadIfChanged()
        guard !config.users.isEmpty else { return true }
        guard let (name, password) = Self.credentials(authorization) else { return false }
        // An unknown name still costs a bcrypt run, so timing does not tell names apart.
        let hash = config.users[name] ?? config.users.values.min()!
        let key = SHA256.hex(SHA256.hash(Array("\(name)\u{0}\(password)\u{0}\(hash)".utf8)))
        if config.users[name] != nil && verified.contains(key) { return true }
        guard Bcrypt.verify(password, hash: hash), config.users[name] != nil else { return false }
        if verified.count > 1000 { verified.removeAll() }
        verified.insert(key)
        return true
    }

    private func reloadIfChanged() {
        let now = ContinuousClock.now
        if let lastLook, now - lastLook < .seconds(1) { return }
        lastLook = now
        // contents(atPath:) follows symlinks, as a modification date read with lstat does not.
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let hash = SHA256.hash(Array(data))
        guard hash != contentHash else { return }
        contentHash = hash
        do {
            let loaded = try WebConfig.parse(
                String(decoding: data, as: UTF8.self), directory: (path as NSString).deletingLastPathComponent)
            if loaded.tls != config.tls || loaded.certFile != config.certFile {
                logger.warning("web.config_file: TLS changes take effect after SIGHUP or a restart")
            }
            if loaded.users.isEmpty && !config.users.isEmpty {
                logger.error(
                    "web.config_file now names no users; keeping the previous ones (switching authentication off takes a SIGHUP or a restart)"
                )
                return
            }
            config.users = loaded.users
            verified.removeAll()
            logger.info("web.config_file re-read", metadata: ["users": "\(loaded.users.count)"])
        } catch {
            for issue in error.issues {
                logger.error("web.config_file is invalid; keeping the previous one", metadata: ["problem": "\(issue)"])
            }
        }
    }

    /// Name and password of a `Basic` header.
    static func credentials(_ header: String?) -> (String, String)? {
        guard let header, header.count < 4096 else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
