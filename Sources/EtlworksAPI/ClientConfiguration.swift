import Foundation

/// Settings of `HTTPEtlworksClient`.
public struct ClientConfiguration: Sendable {
    /// The instance URL, with or without the trailing `/rest`.
    public var baseURL: URL
    public var credentials: Credentials
    /// Per-request timeout, seconds.
    public var timeout: Double
    /// Requests per second across all callers; 0 for no limit.
    public var maxRequestsPerSecond: Double
    /// How often a 429/503 is retried inside one call before it fails.
    public var maxRateLimitRetries: Int
    /// The longest Retry-After the client sleeps through inside one call; a longer one fails
    /// the call at once (and still holds back later requests until it has passed).
    public var maxRetryWait: Double
    /// The longest wait a Retry-After may impose; longer ones are cut to it
    /// (`etlworks.max_retry_after`).
    public var maxRetryAfter: Double
    /// Page size for list endpoints (the API's maximum is 200).
    public var pageSize: Int
    /// Timeout of the answers that may be large (a day's executions, the flow list), seconds.
    public var largeResponseTimeout: Double = 120
    /// The largest answer read, bytes; a larger one fails its call.
    public var maxResponseBytes: Int64 = 32 << 20

    public init(
        baseURL: URL, credentials: Credentials, timeout: Double = 10, maxRequestsPerSecond: Double = 5,
        maxRateLimitRetries: Int = 3, maxRetryWait: Double = 30, maxRetryAfter: Double = 3600, pageSize: Int = 200
    ) {
        self.baseURL = baseURL
        self.credentials = credentials
        self.timeout = timeout
        self.maxRequestsPerSecond = maxRequestsPerSecond
        self.maxRateLimitRetries = maxRateLimitRetries
        self.maxRetryWait = maxRetryWait
        self.maxRetryAfter = maxRetryAfter
        self.pageSize = pageSize
    }

    /// The base with `/rest` appended when missing and without a trailing slash.
    public var restBaseURL: URL {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        if !text.hasSuffix("/rest") { text += "/rest" }
        return URL(string: text) ?? baseURL
    }

    /// The instance root, outside `/rest` (where `GET /health` lives).
    public var instanceRootURL: URL { restBaseURL.deletingLastPathComponent() }
}

/// Told about every HTTP request the client makes: endpoint template, status code (or
/// `error`), seconds taken.
public typealias RequestObserver = @Sendable (_ endpoint: String, _ code: String, _ seconds: Double) -> Void
