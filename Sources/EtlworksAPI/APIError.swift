import Foundation

/// Why a request to the Etlworks API failed. Messages never contain credentials.
public enum APIError: Error, Sendable, CustomStringConvertible {
    /// No HTTP answer: connection refused or dropped, DNS, TLS, timeout.
    case transport(endpoint: String, message: String)
    /// 401 after a fresh token, or a login that was refused.
    case unauthorized(endpoint: String)
    /// 403, or a 401 while the credential is good elsewhere: the credentials' role may not
    /// call the endpoint. `status` is the code the API answered.
    case forbidden(endpoint: String, status: Int)
    /// 404.
    case notFound(endpoint: String)
    /// 429 or 503 that outlasted the retries; `retryAfter` is the last wait asked for.
    case rateLimited(endpoint: String, status: Int, retryAfter: Double?)
    /// Any other non-2xx answer, with the server's `message` when it sent one.
    case http(endpoint: String, status: Int, message: String?)
    /// The answer could not be decoded.
    case decoding(endpoint: String, APIDecodingError)
    /// The answer was larger than the client reads (`etlworks.max_response_bytes`).
    case tooLarge(endpoint: String, limit: Int64)

    /// The endpoint template the request went to, e.g. `/v1/executions/{flowId}/history`.
    public var endpoint: String {
        switch self {
        case .transport(let endpoint, _), .unauthorized(let endpoint), .forbidden(let endpoint, _),
            .notFound(let endpoint), .rateLimited(let endpoint, _, _), .http(let endpoint, _, _),
            .decoding(let endpoint, _), .tooLarge(let endpoint, _):
            return endpoint
        }
    }

    /// A short, stable word for grouping log lines and counters.
    public var kind: String {
        switch self {
        case .transport: return "transport"
        case .unauthorized: return "unauthorized"
        case .forbidden: return "forbidden"
        case .notFound: return "not_found"
        case .rateLimited: return "rate_limited"
        case .http: return "http"
        case .decoding: return "decoding"
        case .tooLarge: return "too_large"
        }
    }

    public var description: String {
        switch self {
        case .transport(let endpoint, let message): return "\(endpoint): request failed: \(message)"
        case .unauthorized(let endpoint): return "\(endpoint): HTTP 401, credentials were refused"
        case .forbidden(let endpoint, let status):
            let role = EndpointRole.required(for: endpoint).map { " (it needs \($0))" } ?? ""
            return "\(endpoint): HTTP \(status), the credentials' role may not call it\(role)"
        case .notFound(let endpoint): return "\(endpoint): HTTP 404"
        case .rateLimited(let endpoint, let status, let retryAfter):
            let wait = retryAfter.map { ", retry after \(Int($0.rounded(.up)))s" } ?? ""
            return "\(endpoint): HTTP \(status), rate limited\(wait)"
        case .http(let endpoint, let status, let message):
            return "\(endpoint): HTTP \(status)" + (message.map { ": \($0)" } ?? "")
        case .decoding(let endpoint, let error): return "\(endpoint): \(error)"
        case .tooLarge(let endpoint, let limit):
            return "\(endpoint): the answer is larger than \(limit) bytes (etlworks.max_response_bytes); it was not read"
        }
    }
}
