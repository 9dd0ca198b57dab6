/// A fault the simulator injects into matching requests, switchable at runtime through
/// `POST /_sim/faults`.
public struct Fault: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Answer with `status` (and `retryAfter` when given) instead of the real answer.
        case status
        /// Wait `delaySeconds` before answering.
        case slow
        /// A 200 whose body is not JSON.
        case malformed
        /// A 200 whose JSON body is cut in half.
        case truncated
        /// Send the head, then close the connection mid-body.
        case drop
        /// Answer with `status` (default 500) and an error message that repeats the request's
        /// credentials (its Authorization header and any login body): a hostile upstream.
        case echo
    }

    public var kind: Kind
    /// Only requests whose path (after /rest) starts with this; all when nil.
    public var path: String?
    public var status: Int?
    public var retryAfter: String?
    public var delaySeconds: Double?
    /// How many requests it applies to; nil for all until cleared.
    public var count: Int?

    public init(
        kind: Kind, path: String? = nil, status: Int? = nil, retryAfter: String? = nil,
        delaySeconds: Double? = nil, count: Int? = nil
    ) {
        self.kind = kind
        self.path = path
        self.status = status
        self.retryAfter = retryAfter
        self.delaySeconds = delaySeconds
        self.count = count
    }
}

/// The active faults, first match wins.
struct FaultPlan: Sendable {
    private(set) var faults: [Fault] = []

    mutating func add(_ fault: Fault) { faults.append(fault) }

    mutating func clear() { faults.removeAll() }

    /// The fault for a request to `path`, consuming one use of it.
    mutating func take(path: String) -> Fault? {
        guard let index = faults.firstIndex(where: { fault in fault.path.map { path.hasPrefix($0) } ?? true }) else { return nil }
        let fault = faults[index]
        if let count = fault.count {
            if count <= 1 { faults.remove(at: index) } else { faults[index].count = count - 1 }
        }
        return fault
    }
}
