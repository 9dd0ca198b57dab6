import EtlworksAPI
import ExporterBase
import Yams

/// Which tenants one exporter watches (`etlworks.tenants`). Absent: the credentials' own
/// tenant, as without tenants.
public enum TenantSelection: Sendable, Equatable {
    /// Every tenant `GET /v1/tenants` lists, read again every `discoveryInterval`.
    case discover
    /// These tenants.
    case listed([Tenant])

    /// How often `discover` lists the tenants again, seconds.
    public static let discoveryInterval: Double = 600
}

extension ConfigNodeReader {
    /// Reads `etlworks.tenants`: `discover`, or a list of `{id, name}` (a number, or letters,
    /// digits, `-`, `_`, `.`; a name defaults to the id). Ids must be unique.
    mutating func tenantSelection(_ node: Node) -> TenantSelection? {
        let key = "etlworks.tenants"
        if isNull(node) { return nil }
        if case .scalar = node {
            if scalar(node) == "discover" { return .discover }
            issue(key, node, "must be discover or a list of {id, name}")
            return nil
        }
        var tenants: [Tenant] = []
        for item in list(node, key: key) {
            guard let entries = item.mapping else {
                issue(key, item, "each tenant must be a mapping {id, name}")
                continue
            }
            var id: String?
            var name: String?
            for (entryKey, value) in entries {
                switch entryKey.string {
                case "id":
                    if let text = scalar(value), Tenant.isValidId(text) {
                        id = text
                    } else {
                        issue(
                            "\(key).id", value,
                            "'\(value.string ?? "")' is not a tenant id (a number, or up to 64 letters, digits, -, _ or .)")
                    }
                case "name": name = scalar(value)
                default: issue("\(key).\(entryKey.string ?? "")", entryKey, "unknown key (expected id, name)")
                }
            }
            guard let id else {
                if entries["id"] == nil { issue("\(key).id", item, "is required") }
                continue
            }
            if tenants.contains(where: { $0.id == id }) {
                issue("\(key).id", item, "tenant \(id) is listed twice")
                continue
            }
            tenants.append(Tenant(id: id, name: name ?? id))
        }
        if tenants.isEmpty, issues.isEmpty { issue(key, node, "lists no tenant") }
        return .listed(tenants)
    }
}
