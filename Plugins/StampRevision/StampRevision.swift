import Foundation
import PackagePlugin

/// Stamps the git revision into the executable at build time: before every build it writes
/// `let buildRevision = "<short hash>"` (`unknown` outside a git checkout), rewriting the file
/// only when the revision changed, so an unchanged tree rebuilds nothing.
@main
struct StampRevision: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let directory = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = """
            mkdir -p "$2"
            revision=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            line="let buildRevision = \\"$revision\\""
            [ "$(cat "$2/BuildRevision.swift" 2>/dev/null)" = "$line" ] || printf '%s\\n' "$line" > "$2/BuildRevision.swift"
            """
        return [
            .prebuildCommand(
                displayName: "Stamping the git revision", executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "stamp", context.package.directoryURL.path, directory.path],
                outputFilesDirectory: directory)
        ]
    }
}
