import Foundation

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

    /// `text` with every configured secret, every word after "Bearer " and every JWT-shaped
    /// token (the ones minted from a password) replaced by `<redacted>`.
    public func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "<redacted>")
        }
        guard result.contains("Bearer") || result.contains("eyJ") else { return result }
        return Self.scrubTokens(result)
    }

    /// Replaces the token after each "Bearer " and each `eyJ…` word (a JWT's base64url
    /// header) up to the next character that cannot be part of a token.
    static func scrubTokens(_ text: String) -> String {
        let characters = Array(text.unicodeScalars)
        func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.+/=~".unicodeScalars.contains(scalar))
        }
        var output = String.UnicodeScalarView()
        var index = 0
        let bearer = Array("Bearer ".unicodeScalars)
        while index < characters.count {
            var tokenStart: Int?
            if characters[index...].starts(with: bearer) {
                output.append(contentsOf: bearer)
                tokenStart = index + bearer.count
            } else if characters[index...].starts(with: "eyJ".unicodeScalars),
                index == 0 || !isTokenCharacter(characters[index - 1])
            {
                tokenStart = index
            }
            guard let start = tokenStart else {
                output.append(characters[index])
                index += 1
                continue
            }
            var end = start
            while end < characters.count && isTokenCharacter(characters[end]) { end += 1 }
            if end > start { output.append(contentsOf: "<redacted>".unicodeScalars) }
            index = end
        }
        return String(output)
    }
}
