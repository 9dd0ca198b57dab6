import Foundation

/// What the API has said about the credentials, to tell a wrong role from a wrong credential.
///
/// Real instances may answer 401 (not 403) to a role that may not call an endpoint. A 401 is
/// taken as "this role may not" when the credential was just proven good (a fresh login that
/// is still refused), or when another endpoint accepted the credential between this
/// endpoint's previous 401 and this one. A key that expired is refused everywhere, so no
/// acceptance comes between two refusals and it stays a wrong credential. An endpoint
/// refused for its role is not retried with a new login until it accepts the credential
/// again, so a refused role never makes a login loop.
actor CredentialEvidence {
    private var lastAccepted: [String: ContinuousClock.Instant] = [:]
    private var lastRefused: [String: ContinuousClock.Instant] = [:]
    private var refusedForRole: Set<String> = []
    /// The login path that last worked (`/v1/token-auth` or `/v1/token-auth/issue`).
    private(set) var loginPath = LoginPaths.documented

    func accepted(_ endpoint: String) {
        lastAccepted[endpoint] = .now
        refusedForRole.remove(endpoint)
    }

    /// Whether a 401 from `endpoint` should be retried with a new token.
    func mayRenew(for endpoint: String) -> Bool { !refusedForRole.contains(endpoint) }

    /// Judges a 401 from `endpoint`; true when it means the role may not call it.
    /// `freshCredential`: the token that was refused had just been minted by a good login.
    func refusalIsForRole(_ endpoint: String, freshCredential: Bool) -> Bool {
        if refusedForRole.contains(endpoint) { return true }
        let previous = lastRefused[endpoint]
        lastRefused[endpoint] = .now
        let acceptedElsewhereSince =
            previous.map { previous in
                lastAccepted.contains { other, time in other != endpoint && time > previous }
            } ?? false
        guard freshCredential || acceptedElsewhereSince else { return false }
        refusedForRole.insert(endpoint)
        return true
    }

    func rememberLoginPath(_ path: String) { loginPath = path }
}

/// The two login paths: the developer portal documents one, the help centre the other, and
/// an instance may answer the one it lacks with 401, 404 or 405.
enum LoginPaths {
    static let documented = "/v1/token-auth"
    static let older = "/v1/token-auth/issue"

    /// Both paths, the one that last worked first.
    static func order(preferring path: String) -> [String] {
        path == older ? [older, documented] : [documented, older]
    }
}
