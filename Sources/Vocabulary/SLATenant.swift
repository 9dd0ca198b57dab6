/// The watched tenant an SLA result or breach belongs to (`etlworks.tenants`): its id, the
/// `tenant_id` label, and its name for people.
public struct SLATenant: Sendable, Hashable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }

    /// For people: `tenant 2 (two)`.
    public var label: String { name.isEmpty ? "tenant \(id)" : "tenant \(id) (\(name))" }
}
