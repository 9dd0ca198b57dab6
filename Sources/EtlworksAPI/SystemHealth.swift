import Foundation

/// The instance's liveness (`GET /v1/system/health`) and identity (`GET /v1/system/info`).
public struct SystemHealth: Sendable, Equatable {
    /// True when the health endpoint answered 2xx.
    public var up: Bool

    public init(up: Bool) { self.up = up }
}

/// Version and deployment mode of the instance.
public struct SystemInfo: Sendable, Equatable {
    public var version: String?
    public var build: String?
    public var deploymentMode: String?
    /// The answer's top-level keys when it had none of the expected fields.
    public var unrecognizedKeys: String?

    public init(version: String? = nil, build: String? = nil, deploymentMode: String? = nil) {
        self.version = version
        self.build = build
        self.deploymentMode = deploymentMode
    }

    /// Decodes the info body; throws only when the answer is not a JSON object.
    public static func decode(_ data: Data) throws -> SystemInfo {
        let json = try JSONValue.parse(data)
        guard json.isObject else { throw APIDecodingError.unexpectedShape(expected: "an info object") }
        var info = SystemInfo(
            version: json["version"]?.string, build: json["build"]?.string,
            deploymentMode: json["deploymentMode"]?.string)
        info.unrecognizedKeys = json.unrecognizedKeys(expected: ["version", "build", "deploymentMode"])
        return info
    }
}
