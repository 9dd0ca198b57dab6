import Synchronization

/// The exporter's version and the git revision it was built from: exported as
/// `etlworks_exporter_build_info` and printed by `--version`.
public enum BuildInfo {
    public static let version = "0.1.0"
    private static let stampedRevision = Mutex("unknown")

    /// The git revision. The executable is stamped with it at build time (the StampRevision
    /// plugin) and hands it here when it starts; `unknown` until then (in tests, say).
    public static var revision: String { stampedRevision.withLock { $0 } }

    public static func stamp(revision: String) { stampedRevision.withLock { $0 = revision } }
}
