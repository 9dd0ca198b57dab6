import Foundation

/// What the API has said about the credentials, to tell a wrong role from a wrong credential.
///
/// Real instances may answer 401 (not 403) to a role that may not call an endpoint. A 401 is
/// taken as "this role may not" when the credential was just proven good (a fresh login that
/// is still refused), or when another endpoint accepted it after the last refusal that
/// looked like a bad credential. An endpoint so refused is not retried with a new login
/// until it accepts the credential again, so a refused role never makes a login loop.
actor CredentialEvidence {
    private var lastAccepted: ContinuousClock.Instant?
    private var lastRefused: ContinuousClock.Instant?
    private var refusedForRole: Set<String> = []
    /// The login path that last worked (`/v1/token-auth` or `/v1/token-auth/issue`).
    private(set) var loginPath = LoginPaths.documented

    func accepted(_ endpoint: String) {
        lastAccepted = .now
        refusedForRole.remove(endpoint)
    }

    /// Whether a 401 from `endpoint` should be retried with a new token.
    func mayRenew(for endpoint: String) -> Bool { !refusedForRole.contains(endpoint) }

    /// Judges a 401 from `endpoint`; true when it means the role may not call it.
    /// `freshCredential`: the token that was refused had just been minted by a good login.
    func refusalIsForRole(_ endpoint: String, freshCredential: Bool) -> Bool {
        if refusedForRole.contains(endpoint) { return true }
        let otherEndpointAccepted = lastAccepted.map { accepted in lastRefused.map { accepted > $0 } ?? true } ?? false
        if freshCredential || otherEndpointAccepted {
            refusedForRole.insert(endpoint)
            return true
        }
        lastRefused = .now
        return false
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
