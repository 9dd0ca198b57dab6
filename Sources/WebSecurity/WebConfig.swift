import ExporterBase
import Foundation
import Yams

/// The web configuration file (`web.config_file`), in the Prometheus exporter-toolkit's
/// format: `basic_auth_users` (name: bcrypt hash) and `tls_server_config` (`cert_file`,
/// `key_file`). Relative paths are taken from the file's directory.
public struct WebConfig: Sendable, Equatable {
    public var users: [String: String] = [:]
    public var certFile: String?
    public var keyFile: String?
    /// What is allowed but unwise (a bcrypt cost that makes every check slow), for people.
    public var warnings: [String] = []

    /// The users' hashes, parsed (parsing validated them).
    var hashes: [String: PasswordHash] { users.compactMapValues(PasswordHash.init) }

    public var tls: Bool { certFile != nil }

    public init() {}

    /// Reads and validates the file; the error names the key at fault, never a hash.
    public static func load(path: String) throws(ConfigErrors) -> WebConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigErrors([ConfigIssue(key: "web.config_file", line: nil, message: "cannot read \(path)")])
        }
        return try parse(text, directory: (path as NSString).deletingLastPathComponent)
    }

    static func parse(_ text: String, directory: String) throws(ConfigErrors) -> WebConfig {
        var issues: [ConfigIssue] = []
        func issue(_ key: String, _ message: String) {
            issues.append(ConfigIssue(key: "web.config_file: \(key)", line: nil, message: message))
        }
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            let issue = YAMLSyntax.issue(error, in: text, key: "")
            throw ConfigErrors([
                ConfigIssue(
                    key: "web.config_file" + (issue.key.isEmpty ? "" : ": \(issue.key)"), line: issue.line, message: issue.message
                )
            ])
        }
        var config = WebConfig()
        guard let top = root as? [String: Any] else {
            if root == nil { return config }
            throw ConfigErrors([ConfigIssue(key: "web.config_file", line: nil, message: "must be a mapping")])
        }
        for (key, value) in top {
            switch key {
            case "basic_auth_users":
                guard let users = value as? [String: Any] else { issue(key, "must map user names to bcrypt hashes"); continue }
                for (name, hash) in users {
                    guard let hash = hash as? String, let parsed = PasswordHash(hash) else {
                        issue("\(key).\(name)", "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)")
                        continue
                    }
                    if parsed.cost > PasswordHash.costLimit {
                        issue(
                            "\(key).\(name)",
                            "bcrypt cost \(parsed.cost) is above \(PasswordHash.costLimit): every check would take seconds; use 10 to 12"
                        )
                        continue
                    }
                    if parsed.cost > PasswordHash.costWarning {
                        config.warnings.append(
                            "web.config_file: \(key).\(name): bcrypt cost \(parsed.cost) makes every login check slow (10 to 12 is usual)"
                        )
                    }
                    config.users[name] = hash
                }
            case "tls_server_config":
                guard let tls = value as? [String: Any] else { issue(key, "must be a mapping"); continue }
                for (name, setting) in tls {
                    switch name {
                    case "cert_file", "key_file":
                        guard let file = setting as? String, !file.isEmpty else {
                            issue("\(key).\(name)", "must be a file path"); continue
                        }
                        let full = file.hasPrefix("/") || directory.isEmpty ? file : directory + "/" + file
                        if !FileManager.default.isReadableFile(atPath: full) { issue("\(key).\(name)", "cannot read \(full)") }
                        if name == "cert_file" { config.certFile = full } else { config.keyFile = full }
                    default:
                        issue("\(key).\(name)", "is not supported (cert_file and key_file are)")
                    }
                }
                if (config.certFile == nil) != (config.keyFile == nil) { issue(key, "needs both cert_file and key_file") }
            case "http_server_config":
                issue(key, "is not supported")
            default:
                issue(key, "unknown key (basic_auth_users and tls_server_config are supported)")
            }
        }
        if !issues.isEmpty { throw ConfigErrors(issues) }
        return config
    }
}
