import Foundation

/// An on-premise integration agent (`GET /v1/agents`; field names not published).
public struct Agent: Sendable, Equatable {
    /// The id as the API gives it: a number or a string.
    public var id: String
    public var name: String
    public var state: State
    /// The updater's state, when reported.
    public var updaterRunning: Bool?
    public var version: String?
    public var os: String?
    /// Last heartbeat, epoch ms.
    public var lastSeen: Int64?

    /// What the agent is doing; the words of the help centre, any case.
    public enum State: String, Sendable, CaseIterable {
        case online, offline, stopped, suspended, unknown

        init(text: String?) {
            switch text?.trimmingCharacters(in: .whitespaces).lowercased() {
            case "online", "up", "connected", "running", "true": self = .online
            case "offline", "down", "disconnected", "false": self = .offline
            case "stopped": self = .stopped
            case "suspended", "paused": self = .suspended
            default: self = .unknown
            }
        }
    }

    /// True only when the agent is online.
    public var online: Bool { state == .online }

    /// A number for the agent, for keys that need one (SLA state): the id itself when it is
    /// a number, else a stable 53-bit hash of it.
    public var numericId: Int64 { Self.numericId(of: id) }

    /// `numericId` of an agent with this id (a stored series names agents by id alone).
    public static func numericId(of id: String) -> Int64 {
        if let number = Int64(id) { return number }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int64(hash & ((1 << 53) - 1))
    }

    public init(
        id: String, name: String, state: State, updaterRunning: Bool? = nil,
        version: String? = nil, os: String? = nil, lastSeen: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.state = state
        self.updaterRunning = updaterRunning
        self.version = version
        self.os = os
        self.lastSeen = lastSeen
    }

    public init(id: Int64, name: String, online: Bool) {
        self.init(id: String(id), name: name, state: online ? .online : .offline)
    }

    /// Decodes one agent; nil when it has no id (a string or a number).
    public init?(json: JSONValue) {
        guard json.isObject, let id = json["id"]?.string ?? json["agentId"]?.string, !id.isEmpty else { return nil }
        let updater = json["updaterStatus"]?.string?.lowercased()
        self.init(
            id: id,
            name: json["name"]?.string ?? "",
            state: State(text: json["status"]?.string ?? json["state"]?.string),
            updaterRunning: updater.map { $0 == "running" },
            version: json["version"]?.string,
            os: json["os"]?.string,
            lastSeen: Timestamp.epochMilliseconds(json["lastSeen"]))
    }

    /// Decodes a page of `GET /v1/agents`.
    public static func decodePage(_ data: Data) throws -> DecodedPage<Agent> {
        try DecodedPage.decode(data, expected: "a list of agents", Agent.init(json:))
    }
}
