/// `push:` — runs pushed by Etlworks webhooks to `POST /api/v1/webhooks/etlworks`, checked
/// with credentials of their own, never the scrape credentials.
public struct PushSettings: Sendable, Equatable {
    /// What every webhook call must carry.
    public enum Credential: Sendable, Equatable {
        /// HTTP Basic: the webhook's `basicUser` and `basicPass`.
        case basic(user: String, password: String)
        /// One header with this exact value: one of the webhook's `headers`.
        case header(name: String, value: String)
    }

    public var credential: Credential
    /// Pushed runs waiting to be looked up; beyond it a call gets 503.
    public var queueCapacity: Int = ConfigKeys.count("push.queue_capacity")

    public init(credential: Credential) { self.credential = credential }

    /// An HTTP field name (RFC 9110 token characters), not one of the headers a proxy or
    /// the webhook itself sets for every call.
    public static func isHeaderName(_ name: String) -> Bool {
        let token = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let reserved: Set<String> = ["authorization", "content-type", "content-length", "host"]
        return !name.isEmpty && name.count <= 100 && name.allSatisfy(token.contains) && !reserved.contains(name.lowercased())
    }
}

extension PushSettings {
    /// What the log must never show.
    public var secrets: [String] {
        switch credential {
        case .basic(_, let password): [password]
        case .header(_, let value): [value]
        }
    }
}
