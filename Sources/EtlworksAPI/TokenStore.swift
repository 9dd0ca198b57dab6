import Foundation

/// Holds the bearer token: the API key, or a JWT that is minted at login, refreshed before
/// its `exp`, and minted anew when the API rejects it. Concurrent callers share one login.
actor TokenStore {
    typealias Mint = @Sendable (_ current: String?) async throws -> String

    /// The API key: sent as it is, never renewed.
    private let fixedKey: String?
    /// Whether a token can be minted again (a login, or a tenant switch).
    let canRenew: Bool
    private var token: String?
    private var expiresAt: Double?
    private var obtainedAt: Double = 0
    private var pending: Task<String, any Error>?

    init(credentials: Credentials) {
        switch credentials {
        case .apiKey(let key):
            fixedKey = key
            canRenew = false
        case .login:
            fixedKey = nil
            canRenew = true
        }
    }

    /// A store of tokens minted by a tenant switch (always renewable by switching again).
    init(switched: Void) {
        fixedKey = nil
        canRenew = true
    }

    /// The token to send now. `mint` logs in (current nil) or refreshes (current set).
    func bearer(mint: @escaping Mint) async throws -> String {
        if let fixedKey { return fixedKey }
        if let token, !needsRenewal() { return token }
        return try await renew(refreshing: token.flatMap { isExpired() ? nil : $0 }, mint: mint)
    }

    /// Drops a token the API refused, so that the next call logs in again.
    func invalidate(_ rejected: String) {
        if token == rejected {
            token = nil
            expiresAt = nil
        }
    }

    private func needsRenewal() -> Bool {
        guard let expiresAt else { return false }
        let lifetime = max(0, expiresAt - obtainedAt)
        // Renew in the last minute, or in the second half of a token shorter than two minutes.
        let margin = min(60, lifetime * 0.5)
        return Date().timeIntervalSince1970 >= expiresAt - margin
    }

    private func isExpired() -> Bool {
        guard let expiresAt else { return false }
        return Date().timeIntervalSince1970 >= expiresAt
    }

    private func renew(refreshing current: String?, mint: @escaping Mint) async throws -> String {
        if let pending { return try await pending.value }
        let task = Task<String, any Error> {
            if let current, let refreshed = try? await mint(current) { return refreshed }
            return try await mint(nil)
        }
        pending = task
        defer { pending = nil }
        let fresh = try await task.value
        token = fresh
        obtainedAt = Date().timeIntervalSince1970
        expiresAt = JWT.expiry(of: fresh)
        return fresh
    }
}
