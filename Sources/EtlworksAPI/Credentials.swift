/// How the client authenticates.
public enum Credentials: Sendable {
    /// A long-lived API key sent as the Bearer token.
    case apiKey(String)
    /// Login and password exchanged for a short-lived JWT at `/v1/token-auth`.
    case login(user: String, password: String)

    /// The secrets to scrub from any text that leaves the process.
    public var secrets: [String] {
        switch self {
        case .apiKey(let key): return [key]
        case .login(_, let password): return [password]
        }
    }
}

/// Removes known secrets from text before it is logged, exported or echoed.
public struct Redactor: Sendable {
    private let secrets: [String]

    /// Secrets shorter than 4 characters are ignored: scrubbing them would mangle ordinary text.
    public init(secrets: [String]) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret (and every bearer token seen) replaced by `<redacted>`.
    public func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return result
    }
}
