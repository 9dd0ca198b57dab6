import ExporterBase
import Foundation
import Logging

/// Checks HTTP basic authentication against the web configuration file's users, re-reading
/// the file when it changes (looked at once a second at most). A file that becomes invalid
/// is logged and the last valid one stays in force. Verified credentials are remembered (by
/// a hash of name, password and stored hash), so scrapes do not pay for bcrypt each time.
public actor WebAuthenticator {
    private let path: String
    private let logger: Logger
    private var config: WebConfig
    private var modified: Date?
    private var lastLook = Date.distantPast
    private var verified: Set<String> = []

    /// `config` is the file at `path` as already read, so that the server's TLS and the
    /// users come from one reading of it.
    public init(path: String, config: WebConfig, logger: Logger) {
        self.path = path
        self.logger = logger
        self.config = config
        modified = Self.modificationDate(path)
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
        let now = Date()
        guard now.timeIntervalSince(lastLook) >= 1 else { return }
        lastLook = now
        let current = Self.modificationDate(path)
        guard current != modified else { return }
        modified = current
        do {
            let loaded = try WebConfig.load(path: path)
            if loaded.tls != config.tls || loaded.certFile != config.certFile {
                logger.warning("web.config_file: TLS changes take effect after SIGHUP or a restart")
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

    private static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
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
