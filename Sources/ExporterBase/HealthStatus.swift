/// The verdict of /health and of each of its parts: pass, warn or fail.
public enum HealthStatus: String, Sendable, Codable {
    case pass, warn, fail
}
