import Foundation
import PackagePlugin

/// Stamps the version and git revision into the executable at build time: before every build
/// it writes `let buildVersion = "…"` and `let buildRevision = "<short hash>"` as
/// `scripts/version.sh` prints them (the tag's version at a `vX.Y.Z` tag, else the changelog's
/// newest with `-dev+<revision>`; `unknown` outside a git checkout), rewriting the file only
/// when they changed, so an unchanged tree rebuilds nothing.
@main
struct StampRevision: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let directory = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = """
            mkdir -p "$2"
            set -- "$1" "$2" $(/bin/sh "$1/scripts/version.sh" "$1")
            lines="let buildVersion = \\"${3:-0.0.0-dev}\\"
            let buildRevision = \\"${4:-unknown}\\""
            [ "$(cat "$2/BuildRevision.swift" 2>/dev/null)" = "$lines" ] || printf '%s\\n' "$lines" > "$2/BuildRevision.swift"
            """
        return [
            .prebuildCommand(
                displayName: "Stamping the git revision", executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "stamp", context.package.directoryURL.path, directory.path],
                outputFilesDirectory: directory)
        ]
    }
}
