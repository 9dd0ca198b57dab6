/// The keys seen in the last `lifetime` seconds, at most `capacity` of them (the oldest
/// forgotten first): the event ids that drop a webhook's repeated calls, and the runs the
/// push/poll ledger remembers. Pure.
public struct RecentKeys<Key: Hashable & Sendable>: Sendable {
    public let lifetime: Double
    public let capacity: Int
    private var seen: [Key: Double] = [:]
    /// Ids in arrival order, for expiry and eviction; `head` skips the removed ones.
    private var order: [(id: Key, at: Double)] = []
    private var head = 0

    public init(lifetime: Double = 86400, capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    public var count: Int { seen.count }

    public func contains(_ id: Key) -> Bool { seen[id] != nil }

    /// Forgets `id`: a call refused after its id was recorded may come again.
    public mutating func remove(_ id: Key) { seen[id] = nil }

    /// Records `id` at `now`; false when it was already seen within the lifetime.
    public mutating func insert(_ id: Key, now: Double) -> Bool {
        expire(now: now)
        if seen[id] != nil { return false }
        seen[id] = now
        order.append((id, now))
        while seen.count > capacity { dropOldest() }
        return true
    }

    private mutating func expire(now: Double) {
        while head < order.count, now - order[head].at >= lifetime { dropOldest() }
    }

    private mutating func dropOldest() {
        let oldest = order[head]
        if seen[oldest.id] == oldest.at { seen[oldest.id] = nil }
        head += 1
        // Compact now and then, so the array does not grow with every id ever seen.
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
