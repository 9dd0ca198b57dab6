import EtlworksAPI

/// One thing a rule is evaluated for: a flow, an agent, or the tenant.
public struct SLATarget: Sendable, Hashable, Comparable {
    public enum Kind: String, Sendable, Hashable { case flow, agent, tenant }

    public var kind: Kind
    /// The flow's or agent's id; 0 for the tenant.
    public var id: Int64
    /// The current name (a flow or agent may be renamed; its id keeps the state).
    public var name: String
    /// The id as the API gives it, for labels, when it is not the number (an agent's id
    /// may be a string).
    public var externalId: String?

    public init(kind: Kind, id: Int64, name: String, externalId: String? = nil) {
        self.kind = kind
        self.id = id
        self.name = name
        self.externalId = externalId
    }

    public static let tenant = SLATarget(kind: .tenant, id: 0, name: "tenant")

    /// For people: `flow orders load`, `agent eu-1`, `the tenant`.
    public var label: String { kind == .tenant ? "the tenant" : "\(kind.rawValue) \(name)" }

    /// For people, with the tenant it belongs to: `flow orders load in tenant 2 (two)`, and a
    /// tenant rule's target the tenant itself.
    public func label(in tenant: Tenant?) -> String {
        guard let tenant else { return label }
        return kind == .tenant ? tenant.label : "\(label) in \(tenant.label)"
    }

    /// Stable identity, stored with states and episodes: `flow:1007`, `agent:501`, `tenant`.
    public var key: String { kind == .tenant ? "tenant" : "\(kind.rawValue):\(id)" }

    /// Parses a stored key; the name is filled in by the next evaluation.
    public init?(key: String) {
        if key == "tenant" {
            self = .tenant
            return
        }
        let parts = key.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])), kind != .tenant, let id = Int64(parts[1]) else {
            return nil
        }
        self.init(kind: kind, id: id, name: "")
    }

    public static func == (lhs: SLATarget, rhs: SLATarget) -> Bool { lhs.kind == rhs.kind && lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) {
        // The kind as a small integer: a String-backed enum would hash its raw text.
        hasher.combine(kind == .flow ? 0 : kind == .agent ? 1 : 2)
        hasher.combine(id)
    }
    public static func < (lhs: SLATarget, rhs: SLATarget) -> Bool {
        (lhs.kind.rawValue, lhs.id) < (rhs.kind.rawValue, rhs.id)
    }
}
