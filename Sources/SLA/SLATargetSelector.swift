import ExporterBase
import Store
import Vocabulary

/// What a rule applies to.
public enum SLATargetSelector: Sendable, Equatable {
    case flows(FlowSelector)
    /// Agents whose name matches any pattern.
    case agents([Glob])
    case tenant

    public var kind: SLATarget.Kind {
        switch self {
        case .flows: return .flow
        case .agents: return .agent
        case .tenant: return .tenant
        }
    }
}

/// Flows by id, name pattern, tag and kind. Each list given narrows the selection (a flow
/// must match every list given, and any entry within a list); no list selects every flow.
public struct FlowSelector: Sendable, Equatable {
    public var ids: Set<Int64> = []
    public var names: [Glob] = []
    public var tags: Set<String> = []
    /// Kinds (`streaming`, `scheduled`, `unscheduled`); empty: any.
    public var kinds: Set<FlowKind> = []

    public init(ids: Set<Int64> = [], names: [Glob] = [], tags: Set<String> = [], kinds: Set<FlowKind> = []) {
        self.ids = ids
        self.names = names
        self.tags = tags
        self.kinds = kinds
    }

    /// Whether `flow`, of `kind` (nil when not known), is selected; a selector naming kinds
    /// selects no flow of unknown kind.
    public func matches(_ flow: FlowRecord, kind: FlowKind? = nil) -> Bool {
        (ids.isEmpty || ids.contains(flow.id))
            && (names.isEmpty || names.contains { $0.matches(flow.name) })
            && (tags.isEmpty || flow.tags.contains { tags.contains($0) })
            && (kinds.isEmpty || kind.map { kinds.contains($0) } ?? false)
    }
}
