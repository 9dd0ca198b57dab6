import Foundation

/// Whether a redirect stays within the origin (scheme, host and port) it came from. URLSession
/// copies `Authorization`, and a 307/308 repeats a login's body with the password, to any
/// redirect target: a redirect elsewhere is refused, and the client sees the 3xx itself.
enum SameOriginRedirects {
    static func sameOrigin(_ lhs: URL?, _ rhs: URL?) -> Bool {
        guard let lhs, let rhs else { return false }
        return lhs.scheme?.lowercased() == rhs.scheme?.lowercased() && lhs.host?.lowercased() == rhs.host?.lowercased()
            && origin(port: lhs) == origin(port: rhs)
    }

    private static func origin(port url: URL) -> Int? {
        url.port ?? (url.scheme?.lowercased() == "https" ? 443 : url.scheme?.lowercased() == "http" ? 80 : nil)
    }
}
