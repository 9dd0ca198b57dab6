import ExporterBase
import ExporterConfiguration

/// Whether a webhook call carries the push credentials (`push:`): a `Basic` Authorization
/// with the user and password, or the configured header with its value. Compared in time
/// that does not depend on where the bytes differ. Pure.
public enum PushCredentialCheck {
    /// `header` reads a request header by lower-case name.
    public static func accepts(_ credential: PushSettings.Credential, header: (String) -> String?) -> Bool {
        switch credential {
        case .basic(let user, let password):
            guard let given = BasicAuthorization.credentials(header("authorization")) else { return false }
            // Both compared, always: a wrong user takes as long as a wrong password.
            let userMatches = equal(given.name, user), passwordMatches = equal(given.password, password)
            return userMatches && passwordMatches
        case .header(let name, let value):
            guard let given = header(name.lowercased()) else { return false }
            return equal(given, value)
        }
    }

    /// Equal bytes, in a time set by the lengths alone.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
