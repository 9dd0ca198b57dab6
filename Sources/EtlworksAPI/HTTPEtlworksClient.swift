import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `EtlworksClient` over HTTP with URLSession (libcurl on Linux).
///
/// Follows the contract's client rules: Bearer API key or JWT (refreshed before `exp`, minted
/// again once on a 401), paging with `limit`/`offset` until a short page, Retry-After on 429
/// and 503, a shared request-rate limit, and errors that never carry a secret.
public final class HTTPEtlworksClient: EtlworksClient {
    private let configuration: ClientConfiguration
    private let session: BoundedSession
    private let limiter: RateLimiter
    private let tokens: TokenStore
    private let evidence = CredentialEvidence()
    private let observer: RequestObserver?
    private let redactor: Redactor
    /// Set once the `/etl/rest` tasks path answered 404 and the fallback did not.
    private let tasksPathMissing = Mutex(false)
    /// A tenant's client: the Super Admin's client it switches from (nil: the login's own context).
    private let tenantSwitch: TenantSwitch?

    public init(configuration: ClientConfiguration, observer: RequestObserver? = nil) {
        self.configuration = configuration
        // Each request's whole-transfer deadline is kept in `transmit`; the session's is a backstop.
        session = BoundedSession(backstop: max(configuration.timeout, configuration.largeResponseTimeout))
        limiter = RateLimiter(requestsPerSecond: configuration.maxRequestsPerSecond)
        tokens = TokenStore(credentials: configuration.credentials)
        self.observer = observer
        redactor = Redactor(secrets: configuration.credentials.secrets)
        tenantSwitch = nil
    }

    /// A client for one tenant of the instance, for the Super Admin these credentials log in
    /// as. It reads the Reporting API with `tenantId` under the Super Admin's token, and calls
    /// every other endpoint with a token switched to the tenant (`POST /v1/token-auth/tenants/{id}`),
    /// switching again only when that token expires or is refused. It shares this client's
    /// connections and request-rate limit.
    public func forTenant(_ id: String) -> HTTPEtlworksClient {
        HTTPEtlworksClient(tenant: id, of: tenantSwitch?.admin ?? self)
    }

    private init(tenant id: String, of admin: HTTPEtlworksClient) {
        configuration = admin.configuration
        session = admin.session
        limiter = admin.limiter
        tokens = TokenStore(switched: ())
        observer = admin.observer
        redactor = admin.redactor
        tenantSwitch = TenantSwitch(tenant: id, admin: admin)
    }

    /// The bearer this client sends now (logging in or switching when needed).
    private func bearer() async throws -> String {
        try await tokens.bearer { [self] current in try await mintToken(refreshing: current) }
    }

    // MARK: Endpoints

    public func flows() async throws -> DecodedPage<Flow> {
        try await pages(endpoint: "/v1/flows", path: "/v1/flows", query: [], limit: .max, key: \.id, large: true) { data in
            try Flow.decodePage(data)
        }
    }

    public func dailyExecutions(date: String, skipping settled: Set<Int64>) async throws -> DailyExecutions {
        try await dailyExecutions(URLQueryItem(name: "date", value: date), skipping: settled)
    }

    public func dailyExecutions(offset: Int, skipping settled: Set<Int64>) async throws -> DailyExecutions {
        try await dailyExecutions(URLQueryItem(name: "offset", value: String(offset)), skipping: settled)
    }

    private func dailyExecutions(_ day: URLQueryItem, skipping settled: Set<Int64>) async throws -> DailyExecutions {
        // A tenant's runs: the Super Admin asks with `tenantId`, no switch needed.
        if let tenantSwitch {
            return try await tenantSwitch.admin.dailyExecutions(
                [day, URLQueryItem(name: "tenantId", value: tenantSwitch.tenant)], skipping: settled)
        }
        return try await dailyExecutions([day], skipping: settled)
    }

    private func dailyExecutions(_ query: [URLQueryItem], skipping settled: Set<Int64>) async throws -> DailyExecutions {
        let endpoint = "/v1/metrics/executions"
        let (data, _) = try await send(endpoint: endpoint, path: endpoint, query: query, large: true)
        return try decode(endpoint) { try FlowRun.decodeDailyExecutions(data, skipping: settled) }
    }

    public func tenants() async throws -> DecodedPage<Tenant> {
        let endpoint = "/v1/tenants"
        if let tenantSwitch { return try await tenantSwitch.admin.tenants() }
        let (data, _) = try await send(endpoint: endpoint, path: endpoint, query: [])
        return try decode(endpoint) { try Tenant.decodeList(data) }
    }

    public func history(flowId: Int64, since: Int64?, limit: Int) async throws -> DecodedPage<FlowRun> {
        var query: [URLQueryItem] = []
        if let since { query.append(URLQueryItem(name: "since", value: String(since))) }
        return try await pages(
            endpoint: "/v1/executions/{flowId}/history", path: "/v1/executions/\(flowId)/history",
            query: query, limit: limit, key: \.auditId
        ) { data in
            try FlowRun.decodeHistory(data, flowId: flowId)
        }
    }

    public func run(flowId: Int64, auditId: Int64) async throws -> FlowRun {
        let endpoint = "/v1/executions/{flowId}"
        let (data, _) = try await send(
            endpoint: endpoint, path: "/v1/executions/\(flowId)",
            query: [URLQueryItem(name: "auditId", value: String(auditId))])
        return try decode(endpoint) { try FlowRun.decodeRecord(data, flowId: flowId) }
    }

    public func statuses(flowId: Int64, from: Int64?, to: Int64?) async throws -> [RunStatus: Int64] {
        let endpoint = "/v1/executions/{flowId}/statuses"
        let (data, _) = try await send(
            endpoint: endpoint, path: "/v1/executions/\(flowId)/statuses",
            query: windowQuery(from: from, to: to))
        return try decode(endpoint) {
            let json = try JSONValue.parse(data)
            guard case .object(let members) = json else {
                throw APIDecodingError.unexpectedShape(expected: "counts keyed by status")
            }
            var counts: [RunStatus: Int64] = [:]
            for (key, value) in members {
                if let count = value.int64 { counts[RunStatus(text: key), default: 0] += max(0, count) }
            }
            return counts
        }
    }

    public func summary(from: Int64?, to: Int64?) async throws -> ExecutionsSummary {
        let endpoint = "/v1/metrics/executions/summary"
        let (data, _) = try await send(endpoint: endpoint, path: endpoint, query: windowQuery(from: from, to: to))
        return try decode(endpoint) { try ExecutionsSummary.decode(data) }
    }

    public func agents() async throws -> DecodedPage<Agent> {
        try await pages(endpoint: "/v1/agents", path: "/v1/agents", query: [], limit: .max, key: \.id) { data in
            try Agent.decodePage(data)
        }
    }

    public func subscription() async throws -> Subscription {
        let endpoint = "/v1/billing/subscription"
        let (data, _) = try await send(endpoint: endpoint, path: endpoint, query: [])
        return try decode(endpoint) { try Subscription.decode(data) }
    }

    public func schedules() async throws -> DecodedPage<FlowSchedule> {
        try await pages(endpoint: "/v1/schedules", path: "/v1/schedules", query: [], limit: .max, key: \.id) { data in
            try FlowSchedule.decodePage(data)
        }
    }

    public func systemHealth() async throws -> SystemHealth {
        // Documented only as "200 when healthy": the status decides, whatever the body says.
        let endpoint = "/v1/system/health"
        let (_, response) = try await send(
            endpoint: endpoint, path: endpoint, query: [], authenticated: false,
            acceptedStatuses: Set(300..<600))
        return SystemHealth(up: (200..<300).contains(response.statusCode))
    }

    public func instanceHealth() async throws -> InstanceHealth {
        let endpoint = "/health"
        let (data, _) = try await send(
            endpoint: endpoint, path: endpoint, query: [URLQueryItem(name: "allNodes", value: "true")],
            authenticated: false, root: configuration.instanceRootURL)
        return try decode(endpoint) { try InstanceHealth.decode(data) }
    }

    public func systemInfo() async throws -> SystemInfo {
        let endpoint = "/v1/system/info"
        let (data, _) = try await send(endpoint: endpoint, path: endpoint, query: [])
        return try decode(endpoint) { try SystemInfo.decode(data) }
    }

    public func runningTasks(flowId: Int64, auditId: Int64, type: String) async throws -> DecodedPage<RunningTask> {
        if !tasksPathMissing.withLock({ $0 }) {
            let endpoint = "/etl/rest/v1/tasks/{auditId}"
            do {
                // The documented path ends in a slash; the instance root is outside `/rest`.
                let (data, _) = try await send(
                    endpoint: endpoint, path: "/etl/rest/v1/tasks/\(auditId)/",
                    query: [URLQueryItem(name: "type", value: type)], root: configuration.instanceRootURL)
                return try decode(endpoint) { try RunningTask.decode(data, type: type) }
            } catch APIError.notFound {
                // Older or differently routed instances: the developer portal's path.
            }
        }
        let endpoint = "/v1/executions/{flowId}/audit/{auditId}/running-tasks"
        let (data, _) = try await send(
            endpoint: endpoint, path: "/v1/executions/\(flowId)/audit/\(auditId)/running-tasks", query: [])
        tasksPathMissing.withLock { $0 = true }
        return try decode(endpoint) { try RunningTask.decode(data, type: type) }
    }

    // MARK: Paging

    /// The most pages one call reads, whatever the server does.
    private static let maxPages = 10_000

    /// Reads pages until a short one. A server that ignores `offset` answers the same page
    /// again: reading stops there (one page more than it had), and items are kept once by
    /// `key` whatever the server repeats.
    private func pages<Item, Key: Hashable>(
        endpoint: String, path: String, query: [URLQueryItem], limit: Int, key: (Item) -> Key, large: Bool = false,
        decodePage: (Data) throws -> DecodedPage<Item>
    ) async throws -> DecodedPage<Item> {
        var result = DecodedPage<Item>(items: [], skipped: 0)
        var seen = Set<Key>()
        var previousKeys: [Key]?
        // The previous page's size and digest, not its bytes: two pages of up to
        // `max_response_bytes` are never held at once.
        var previousPage: (count: Int, digest: UInt64)?
        var offset = 0
        for _ in 0..<Self.maxPages {
            let pageSize = min(configuration.pageSize, max(1, limit - result.items.count))
            let pageQuery =
                query + [
                    URLQueryItem(name: "limit", value: String(pageSize)),
                    URLQueryItem(name: "offset", value: String(offset))
                ]
            let (data, response) = try await send(endpoint: endpoint, path: path, query: pageQuery, large: large)
            let fingerprint = (count: data.count, digest: Self.digest(data))
            if let previousPage, previousPage == fingerprint { break }
            previousPage = fingerprint
            let page = try decode(endpoint) { try decodePage(data) }
            let keys = page.items.map(key)
            if !keys.isEmpty, keys == previousKeys { break }
            previousKeys = keys
            for (item, itemKey) in zip(page.items, keys) where seen.insert(itemKey).inserted { result.items.append(item) }
            result.skipped += page.skipped
            if result.items.isEmpty { result.unrecognizedKeys = result.unrecognizedKeys ?? page.unrecognizedKeys }
            let received = page.items.count + page.skipped
            offset += received
            let total = (response.value(forHTTPHeaderField: "X-Total-Count")).flatMap { Int($0) }
            // A short page ends the list; so does a page larger than asked for (the server
            // ignored `limit` and sent everything) and reaching the announced total.
            if received < pageSize || received > pageSize { break }
            if let total, offset >= total { break }
            if result.items.count >= limit { break }
        }
        return result
    }

    /// FNV-1a over the bytes: tells a page repeated by a server that ignores `offset`.
    static func digest(_ data: Data) -> UInt64 {
        data.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    // MARK: Requests

    private func windowQuery(from: Int64?, to: Int64?) -> [URLQueryItem] {
        var query: [URLQueryItem] = []
        if let from { query.append(URLQueryItem(name: "from", value: String(from))) }
        if let to { query.append(URLQueryItem(name: "to", value: String(to))) }
        return query
    }

    private func decode<T>(_ endpoint: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as APIDecodingError {
            throw APIError.decoding(endpoint: endpoint, error)
        }
    }

    /// Sends one request, renewing the JWT once on a 401 and waiting out 429/503.
    private func send(
        endpoint: String, path: String, query: [URLQueryItem], method: String = "GET",
        body: Data? = nil, authenticated: Bool = true,
        acceptedStatuses: Set<Int> = [], root: URL? = nil, large: Bool = false
    ) async throws -> (Data, HTTPURLResponse) {
        var renewedToken = false
        var rateLimitRetries = 0
        while true {
            var bearer: String?
            if authenticated {
                bearer = try await self.bearer()
            }
            let (data, response) = try await transmit(
                endpoint: endpoint, path: path, query: query,
                method: method, body: body, bearer: bearer, root: root, large: large)
            let status = response.statusCode
            if (200..<300).contains(status) || acceptedStatuses.contains(status) {
                if authenticated, (200..<300).contains(status) { await evidence.accepted(endpoint) }
                return (data, response)
            }
            switch status {
            case 401:
                guard authenticated else { throw APIError.unauthorized(endpoint: endpoint) }
                if !renewedToken, let bearer, tokens.canRenew, await evidence.mayRenew(for: endpoint) {
                    renewedToken = true
                    await tokens.invalidate(bearer)
                    continue
                }
                if await evidence.refusalIsForRole(endpoint, freshCredential: renewedToken) {
                    throw APIError.forbidden(endpoint: endpoint, status: 401)
                }
                throw APIError.unauthorized(endpoint: endpoint)
            case 403:
                throw APIError.forbidden(endpoint: endpoint, status: 403)
            case 404:
                throw APIError.notFound(endpoint: endpoint)
            case 429, 503:
                let asked = RetryAfter.seconds(
                    response.value(forHTTPHeaderField: "Retry-After"), limit: configuration.maxRetryAfter)
                let wait = asked ?? backoff(attempt: rateLimitRetries)
                await limiter.pause(seconds: wait)
                if rateLimitRetries < configuration.maxRateLimitRetries, wait <= configuration.maxRetryWait {
                    rateLimitRetries += 1
                    continue
                }
                throw APIError.rateLimited(endpoint: endpoint, status: status, retryAfter: asked)
            case 300..<400:
                throw APIError.http(endpoint: endpoint, status: status, message: redirectRefused(response))
            default:
                throw APIError.http(endpoint: endpoint, status: status, message: errorMessage(data))
            }
        }
    }

    /// Why a redirect was not followed: it leads to another origin (names the origin only: a
    /// Location may carry a query with anything in it).
    private func redirectRefused(_ response: HTTPURLResponse) -> String {
        let location = response.value(forHTTPHeaderField: "Location").flatMap { URL(string: $0, relativeTo: response.url) }
        let origin = location.map { "\($0.scheme ?? "?")://\($0.host ?? "?")\($0.port.map { ":\($0)" } ?? "")" } ?? "nowhere"
        return
            "redirected to \(origin), another origin: not followed, so that credentials stay with \(configuration.restBaseURL.host ?? "the API")"
    }

    /// Exponential backoff with full jitter, for a 429/503 without Retry-After.
    private func backoff(attempt: Int) -> Double {
        let ceiling = min(30, pow(2, Double(attempt)))
        return Double.random(in: ceiling / 2...ceiling)
    }

    /// One HTTP exchange, through the rate limiter, reported to the observer.
    private func transmit(
        endpoint: String, path: String, query: [URLQueryItem], method: String,
        body: Data?, bearer: String?, root: URL? = nil, large: Bool = false
    ) async throws -> (Data, HTTPURLResponse) {
        guard
            var components = URLComponents(
                url: (root ?? configuration.restBaseURL).appendingPathComponent(path),
                resolvingAgainstBaseURL: false)
        else {
            throw APIError.transport(endpoint: endpoint, message: "invalid URL")
        }
        if !query.isEmpty { components.queryItems = query }
        guard let url = components.url else { throw APIError.transport(endpoint: endpoint, message: "invalid URL") }
        // The whole transfer, headers to last byte, must end within `deadline`. (FoundationNetworking
        // applies the session's idle timeout, not the request's, so the deadline is kept here.)
        let deadline = large ? configuration.largeResponseTimeout : configuration.timeout
        var request = URLRequest(url: url, timeoutInterval: deadline)
        request.httpMethod = method
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        try await limiter.acquire()
        let started = ContinuousClock.now
        let outcome = await session.send(request, deadline: deadline, limit: configuration.maxResponseBytes)
        let seconds = (ContinuousClock.now - started).inSeconds
        switch outcome {
        case .answered(let data, let http):
            observer?(endpoint, String(http.statusCode), seconds)
            return (data, http)
        case .tooLarge:
            observer?(endpoint, "error", seconds)
            throw APIError.tooLarge(endpoint: endpoint, limit: configuration.maxResponseBytes)
        case .timedOut:
            observer?(endpoint, "error", seconds)
            try Task.checkCancellation()
            throw APIError.transport(endpoint: endpoint, message: "timed out after \(Int(deadline))s")
        case .failed(let error):
            observer?(endpoint, "error", seconds)
            try Task.checkCancellation()
            throw APIError.transport(endpoint: endpoint, message: redactor.scrub(Self.describe(error)))
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return "timed out"
            case .cannotConnectToHost: return "connection refused"
            case .networkConnectionLost: return "connection lost"
            case .cannotFindHost: return "host not found"
            default: return "URL error \(urlError.code.rawValue)"
            }
        }
        return String(describing: type(of: error))
    }

    /// The `message` of an error body, scrubbed and shortened; nil when there is none.
    private func errorMessage(_ data: Data) -> String? {
        guard let message = (try? JSONValue.parse(data))?["message"]?.string else { return nil }
        return String(redactor.scrub(message).prefix(200))
    }

    /// Logs in (current nil) or refreshes the current JWT. A login tries both paths, the one
    /// that last worked first, moving on when a path answers 401, 404 or 405: an instance
    /// answers the path it lacks with any of them, so only a 401 from both is a wrong password.
    private func mintToken(refreshing current: String?) async throws -> String {
        if let tenantSwitch { return try await switchTenant(tenantSwitch) }
        if current != nil { return try await mintToken(refreshing: current, loginPath: LoginPaths.documented) }
        // A path the instance lacks answers 401, 404 or 405; only a 401 (the password refused)
        // is worth reporting once both failed.
        var refused: APIError?
        for path in LoginPaths.order(preferring: await evidence.loginPath) {
            do {
                let token = try await mintToken(refreshing: nil, loginPath: path)
                await evidence.rememberLoginPath(path)
                return token
            } catch let error as APIError {
                switch error {
                case .unauthorized: refused = refused ?? error
                case .notFound, .http(_, 405, _): continue
                default: throw error
                }
            }
        }
        throw refused ?? APIError.unauthorized(endpoint: LoginPaths.documented)
    }

    private func mintToken(refreshing current: String?, loginPath: String) async throws -> String {
        guard case .login(let user, let password) = configuration.credentials else {
            throw APIError.unauthorized(endpoint: "/v1/token-auth")
        }
        let endpoint = current == nil ? loginPath : "/v1/token-auth/refresh"
        let body = current == nil ? try JSONSerialization.data(withJSONObject: ["login": user, "password": password]) : Data()
        let (data, response) = try await transmit(
            endpoint: endpoint, path: endpoint, query: [], method: "POST",
            body: body, bearer: current)
        switch response.statusCode {
        case 200..<300:
            guard let token = (try? JSONValue.parse(data))?["token"]?.string, !token.isEmpty else {
                throw APIError.decoding(endpoint: endpoint, .unexpectedShape(expected: "an object with token"))
            }
            return token
        case 401, 403:
            throw APIError.unauthorized(endpoint: endpoint)
        case 404:
            throw APIError.notFound(endpoint: endpoint)
        case 429, 503:
            let asked = RetryAfter.seconds(
                response.value(forHTTPHeaderField: "Retry-After"), limit: configuration.maxRetryAfter)
            await limiter.pause(seconds: asked ?? 1)
            throw APIError.rateLimited(endpoint: endpoint, status: response.statusCode, retryAfter: asked)
        case 300..<400:
            throw APIError.http(endpoint: endpoint, status: response.statusCode, message: redirectRefused(response))
        default:
            throw APIError.http(endpoint: endpoint, status: response.statusCode, message: errorMessage(data))
        }
    }

    /// A token with the tenant in context, switched to from the Super Admin's latest token.
    /// A refused switch is remembered for `TenantSwitch.refusalMemory`: every poll of the
    /// tenant fails at once with it instead of asking again.
    private func switchTenant(_ scope: TenantSwitch) async throws -> String {
        if let refused = scope.rememberedRefusal() { throw refused }
        let endpoint = "/v1/token-auth/tenants/{id}"
        var renewedAdmin = false
        while true {
            let admin = try await scope.admin.bearer()
            let (data, response) = try await transmit(
                endpoint: endpoint, path: "/v1/token-auth/tenants/\(scope.tenant)", query: [], method: "POST",
                body: Data(), bearer: admin)
            switch response.statusCode {
            case 200..<300:
                guard let token = (try? JSONValue.parse(data))?["token"]?.string, !token.isEmpty else {
                    throw APIError.decoding(endpoint: endpoint, .unexpectedShape(expected: "an object with token"))
                }
                return token
            case 401 where !renewedAdmin && scope.admin.tokens.canRenew:
                // The Super Admin's own token may have expired: log in again once.
                renewedAdmin = true
                await scope.admin.tokens.invalidate(admin)
            case 401, 403, 404:
                let error: APIError =
                    response.statusCode == 404
                    ? .notFound(endpoint: endpoint) : .forbidden(endpoint: endpoint, status: response.statusCode)
                scope.remember(error)
                throw error
            case 429, 503:
                let asked = RetryAfter.seconds(
                    response.value(forHTTPHeaderField: "Retry-After"), limit: configuration.maxRetryAfter)
                await limiter.pause(seconds: asked ?? 1)
                throw APIError.rateLimited(endpoint: endpoint, status: response.statusCode, retryAfter: asked)
            default:
                throw APIError.http(endpoint: endpoint, status: response.statusCode, message: errorMessage(data))
            }
        }
    }
}

/// The tenant a client works in and the Super Admin's client it switches from.
final class TenantSwitch: Sendable {
    let tenant: String
    let admin: HTTPEtlworksClient
    private let refusal = Mutex<(until: ContinuousClock.Instant, error: APIError)?>(nil)
    /// How long a refused switch is not asked again.
    static let refusalMemory = Duration.seconds(300)

    init(tenant: String, admin: HTTPEtlworksClient) {
        self.tenant = tenant
        self.admin = admin
    }

    func remember(_ error: APIError) {
        refusal.withLock { $0 = (ContinuousClock.now + Self.refusalMemory, error) }
    }

    func rememberedRefusal() -> APIError? {
        refusal.withLock { stored in
            guard let current = stored, ContinuousClock.now < current.until else { return nil }
            return current.error
        }
    }
}
