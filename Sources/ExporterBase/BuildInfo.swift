/// The exporter's version, exported as `etlworks_exporter_build_info`.
public enum BuildInfo {
    public static let version = "0.1.0"
    /// Set by release builds; `unknown` in development builds.
    public static let revision = "unknown"
}
