/// Why an API answer could not be decoded as a whole. Single bad records inside a page are
/// skipped and counted instead (see `DecodedPage`).
public enum APIDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body is not JSON (or is truncated).
    case malformed(String)
    /// The body is JSON but not of the expected shape, e.g. an object where a list belongs.
    case unexpectedShape(expected: String)

    public var description: String {
        switch self {
        case .malformed(let detail): return "malformed JSON: \(detail)"
        case .unexpectedShape(let expected): return "unexpected JSON shape: expected \(expected)"
        }
    }
}
