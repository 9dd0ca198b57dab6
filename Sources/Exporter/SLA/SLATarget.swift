/// One thing a rule is evaluated for: a flow, an agent, or the tenant.
public struct SLATarget: Sendable, Hashable, Comparable {
    public enum Kind: String, Sendable, Hashable { case flow, agent, tenant }

    public var kind: Kind
    /// The flow's or agent's id; 0 for the tenant.
    public var id: Int64
    /// The current name (a flow or agent may be renamed; its id keeps the state).
    public var name: String

    public init(kind: Kind, id: Int64, name: String) {
        self.kind = kind
        self.id = id
        self.name = name
    }

    public static let tenant = SLATarget(kind: .tenant, id: 0, name: "tenant")

    /// Stable identity, stored with states and episodes: `flow:1007`, `agent:501`, `tenant`.
    public var key: String { kind == .tenant ? "tenant" : "\(kind.rawValue):\(id)" }

    public static func == (lhs: SLATarget, rhs: SLATarget) -> Bool { lhs.kind == rhs.kind && lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(id)
    }
    public static func < (lhs: SLATarget, rhs: SLATarget) -> Bool {
        (lhs.kind.rawValue, lhs.id) < (rhs.kind.rawValue, rhs.id)
    }
}
