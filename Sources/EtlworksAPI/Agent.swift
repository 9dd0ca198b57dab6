import Foundation

/// An on-premise integration agent (`GET /v1/agents`; shape assumed).
public struct Agent: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// True when the API says `online`.
    public var online: Bool
    /// The updater's state, when reported.
    public var updaterRunning: Bool?
    public var version: String?
    public var os: String?
    /// Last heartbeat, epoch ms.
    public var lastSeen: Int64?

    public init(
        id: Int64, name: String, online: Bool, updaterRunning: Bool? = nil,
        version: String? = nil, os: String? = nil, lastSeen: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.online = online
        self.updaterRunning = updaterRunning
        self.version = version
        self.os = os
        self.lastSeen = lastSeen
    }

    /// Decodes one agent; nil when `id` is missing. Status words are matched case-insensitively
    /// ("online"/"up"/"connected" mean online; anything else offline).
    public init?(json: JSONValue) {
        guard json.isObject, let id = json["id"]?.int64 else { return nil }
        let status = json["status"]?.string?.lowercased() ?? ""
        let updater = json["updaterStatus"]?.string?.lowercased()
        self.init(
            id: id,
            name: json["name"]?.string ?? "",
            online: ["online", "up", "connected", "running", "true"].contains(status),
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
