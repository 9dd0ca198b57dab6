import Foundation

/// A request as the simulator sees it, independent of the HTTP server.
public struct SimulatorRequest: Sendable {
    public var method: String
    /// The path, e.g. `/rest/v1/flows`.
    public var path: String
    public var query: [String: String]
    public var authorization: String?
    public var body: Data

    public init(method: String, path: String, query: [String: String] = [:], authorization: String? = nil, body: Data = Data()) {
        self.method = method
        self.path = path
        self.query = query
        self.authorization = authorization
        self.body = body
    }
}

/// The simulator's answer, including the faults the HTTP layer must act out.
public struct SimulatorResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data
    /// Seconds to wait before answering.
    public var delay: Double = 0
    /// Close the connection after the head instead of sending the body.
    public var dropConnection = false

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ object: Any, status: Int = 200, headers: [(String, String)] = []) -> SimulatorResponse {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("null".utf8)
        return SimulatorResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
    }

    static func encoded<T: Encodable>(_ value: T, headers: [(String, String)] = []) -> SimulatorResponse {
        let body = (try? JSONEncoder().encode(value)) ?? Data("null".utf8)
        return SimulatorResponse(status: 200, headers: [("Content-Type", "application/json")] + headers, body: body)
    }

    /// The documented error body `{status,error,message,path}`.
    static func error(_ status: Int, _ message: String, path: String, headers: [(String, String)] = []) -> SimulatorResponse {
        let reason: String
        switch status {
        case 400: reason = "Bad Request"
        case 401: reason = "Unauthorized"
        case 403: reason = "Forbidden"
        case 404: reason = "Not Found"
        case 429: reason = "Too Many Requests"
        case 503: reason = "Service Unavailable"
        default: reason = "Error"
        }
        return json(["status": status, "error": reason, "message": message, "path": path], status: status, headers: headers)
    }
}
