import Foundation

/// `GET /health?allNodes=true` at the instance root: the health of every node of the
/// instance. The single-node document is published (`status`, and per component an object
/// with its own `status`: `db` with `running.flows`, `disk` and `dataDisk` with `free` and
/// `total`, `ram` with `heap` and `heap.used`, `cpu` with `systemload.average`, `redis`); how
/// several nodes are merged is not, so a list of node documents is accepted under `nodes`, as
/// a top-level array, or as an object keyed by node name.
public struct InstanceHealth: Sendable, Equatable {
    public var nodes: [NodeHealth]

    public init(nodes: [NodeHealth]) { self.nodes = nodes }

    /// Decodes the document. Throws when it is not JSON, or when no node in it has a single
    /// component (an answer of some other shape must not read as "nothing to report").
    public static func decode(_ data: Data) throws -> InstanceHealth {
        let json = try JSONValue.parse(data)
        var nodes: [NodeHealth] = []
        if let list = json["nodes"]?.array ?? json.array {
            nodes = list.enumerated().compactMap { index, element in
                NodeHealth(json: element, name: NodeHealth.name(in: element) ?? "node-\(index + 1)")
            }
        } else if case .object(let members) = json["nodes"] ?? json,
            members.values.contains(where: { NodeHealth(json: $0, name: nil) != nil })
        {
            // Keyed by node name: the members are node documents, not components (whose
            // values are plain numbers and words).
            nodes = members.sorted { $0.key < $1.key }.compactMap { NodeHealth(json: $0.value, name: $0.key) }
        } else if let single = NodeHealth(json: json, name: nil) {
            nodes = [single]
        }
        guard !nodes.isEmpty else {
            throw APIDecodingError.unexpectedShape(
                expected: "a health document with components (db, disk, ...); top-level keys: \(json.keyList)")
        }
        return InstanceHealth(nodes: nodes)
    }
}

/// One node's health.
public struct NodeHealth: Sendable, Equatable {
    /// The node's name; nil for the document of a single node.
    public var name: String?
    /// `status` of the node: true when UP.
    public var up: Bool?
    /// Every component that reports a status, by name: true when UP.
    public var components: [String: Bool]
    /// Flows running on the node (`db["running.flows"]`).
    public var runningFlows: Int64?
    /// Free and total bytes per disk (`disk`, `dataDisk`, …).
    public var disks: [String: DiskSpace]
    public var heapUsedBytes: Int64?
    public var heapMaxBytes: Int64?
    /// `cpu["systemload.average"]`.
    public var systemLoad: Double?

    public struct DiskSpace: Sendable, Equatable {
        public var freeBytes: Int64?
        public var totalBytes: Int64?
    }

    public init(
        name: String?, up: Bool?, components: [String: Bool], runningFlows: Int64? = nil,
        disks: [String: DiskSpace] = [:], heapUsedBytes: Int64? = nil, heapMaxBytes: Int64? = nil,
        systemLoad: Double? = nil
    ) {
        self.name = name
        self.up = up
        self.components = components
        self.runningFlows = runningFlows
        self.disks = disks
        self.heapUsedBytes = heapUsedBytes
        self.heapMaxBytes = heapMaxBytes
        self.systemLoad = systemLoad
    }

    /// A node document: an object with at least one component (a member object with a
    /// `status`); nil otherwise.
    init?(json: JSONValue, name: String?) {
        guard case .object(let members) = json else { return nil }
        var components: [String: Bool] = [:]
        var disks: [String: DiskSpace] = [:]
        for (key, value) in members {
            guard value.isObject, let status = value["status"]?.string else { continue }
            components[key] = status.uppercased() == "UP"
            let free = value["free"]?.int64
            let total = value["total"]?.int64
            if free != nil || total != nil { disks[key] = DiskSpace(freeBytes: free, totalBytes: total) }
        }
        guard !components.isEmpty else { return nil }
        self.init(
            name: name, up: json["status"]?.string.map { $0.uppercased() == "UP" }, components: components,
            runningFlows: json["db"]?["running.flows"]?.int64, disks: disks,
            heapUsedBytes: json["ram"]?["heap.used"]?.int64 ?? json["heap"]?["used"]?.int64,
            heapMaxBytes: json["ram"]?["heap"]?.int64 ?? json["heap"]?["max"]?.int64,
            systemLoad: json["cpu"]?["systemload.average"]?.double)
    }

    /// The name a node document gives itself, if any.
    static func name(in json: JSONValue) -> String? {
        for key in ["node", "name", "host", "hostname", "id"] {
            if let name = json[key]?.string, !name.isEmpty { return name }
        }
        return nil
    }
}

extension JSONValue {
    /// The keys of an object, sorted and comma-separated (never values: they may be secret).
    var keyList: String {
        guard case .object(let members) = self else { return "none (not an object)" }
        if members.isEmpty { return "none" }
        return members.keys.sorted().prefix(20).map { String($0.prefix(64)) }.joined(separator: ", ")
    }

    /// The key list of an object that has none of the `expected` fields (an answer of a shape
    /// nobody expected); nil when it has one.
    func unrecognizedKeys(expected: [String]) -> String? {
        expected.contains { self[$0] != nil } ? nil : keyList
    }
}
