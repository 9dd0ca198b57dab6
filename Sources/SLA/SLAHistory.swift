import EtlworksAPI

/// What stored history series say of what polls decide (agents, billing), for replaying the
/// rules that judge them (see `SLAReplay.replay(_:measurements:)`). Windows of a few minutes:
/// the series are rolled up to 5 minutes after a week.
public protocol SLAHistory: Sendable {
    /// Each stored agent's state at the end of each polled window in [from, to) (epoch seconds).
    func agents(from: Int64, to: Int64) async throws -> [SLAHistory.Agent]
    /// The usage and allowance at the end of each polled window in [from, to) (epoch seconds).
    func billing(from: Int64, to: Int64) async throws -> [(atMs: Int64, subscription: Subscription)]
}

extension SLAHistory {
    public typealias Agent = SLAHistoryAgent
}

public struct SLAHistoryAgent: Sendable, Equatable {
    public var id: String
    public var name: String
    /// Oldest first.
    public var samples: [Sample]

    public struct Sample: Sendable, Equatable {
        public var atMs: Int64
        public var online: Bool

        public init(atMs: Int64, online: Bool) {
            self.atMs = atMs
            self.online = online
        }
    }

    public init(id: String, name: String, samples: [Sample]) {
        self.id = id
        self.name = name
        self.samples = samples
    }
}
