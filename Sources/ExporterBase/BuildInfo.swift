import Synchronization

/// The exporter's version and the git revision it was built from: exported as
/// `etlworks_exporter_build_info` and printed by `--version`.
public enum BuildInfo {
    private static let stamped = Mutex((version: "0.0.0-dev", revision: "unknown"))

    /// The version: a release's at its tag, else the changelog's newest with `-dev+<revision>`.
    /// The executable is stamped with both at build time (the StampRevision plugin, running
    /// `scripts/version.sh`) and hands them here when it starts; placeholders until then (in tests).
    public static var version: String { stamped.withLock { $0.version } }
    public static var revision: String { stamped.withLock { $0.revision } }

    public static func stamp(version: String, revision: String) { stamped.withLock { $0 = (version, revision) } }
}
