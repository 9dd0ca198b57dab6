import Foundation
import Testing

extension Trait where Self == ConditionTrait {
    /// Skips the test when one of these programs is not on PATH, saying what to install
    /// (scripts/test.sh installs them all, so CI runs every test).
    package static func requires(_ programs: String...) -> Self {
        let missing = programs.filter { (try? Tools.which($0)) == nil }
        return .enabled(
            if: missing.isEmpty,
            Comment(
                rawValue: "\(missing.joined(separator: ", ")) not installed: run scripts/install-deps.sh (scripts/test.sh does)"))
    }

    /// The end-to-end tier: the suites of the EndToEndTests target, which drive the built
    /// binary against the simulator and real tools, run only with ETLWORKS_E2E=1 (scripts/test.sh runs them as its second step,
    /// after the unit tier), so that `swift test` alone is the fast unit tier.
    package static var endToEnd: Self {
        .enabled(
            if: ProcessInfo.processInfo.environment["ETLWORKS_E2E"] == "1",
            Comment(rawValue: "end-to-end tier: set ETLWORKS_E2E=1 (scripts/test.sh does)"))
    }

    /// Skips the test when this package's executable `name` was not built: the soak driver
    /// and the benchmarks are built only with ETLWORKS_DEV_TARGETS=1 (scripts/test.sh sets it).
    package static func requiresBuilt(_ name: String) -> Self {
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: Tools.binary(name).path),
            Comment(rawValue: "\(name) is not built: run with ETLWORKS_DEV_TARGETS=1 (scripts/test.sh does)"))
    }
}
