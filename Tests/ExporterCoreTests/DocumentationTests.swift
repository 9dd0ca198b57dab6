import Foundation
import Testing

/// The README stays an operator's page, and no link between the project's pages is broken
/// (a section moved to docs/ takes its anchors with it).
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theReadmeIsAnOperatorsPage() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(lines <= 440, "README.md has \(lines) lines: move design material to docs/")
        for section in ["Quick start", "Running it", "Configuration", "Metrics", "SLA rules"] {
            #expect(readme.contains("\n## \(section)\n"), "README.md has no \(section) section")
        }
    }

    @Test func everyRelativeLinkResolves() throws {
        let pages =
            ["README.md", "CONTRIBUTING.md", "alerts/README.md", "dashboards/README.md", "mixin/README.md"]
            + (try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path))
            .filter { $0.hasSuffix(".md") }.map { "docs/\($0)" }
        #expect(pages.count > 10)
        let link = try NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        let fence = try NSRegularExpression(pattern: "```.*?```", options: .dotMatchesLineSeparators)
        for page in pages {
            let url = Self.root.appendingPathComponent(page)
            var text = try String(contentsOf: url, encoding: .utf8)
            text = fence.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "")
            for match in link.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let target = String(text[Range(match.range(at: 1), in: text)!])
                if target.hasPrefix("http") || target.hasPrefix("mailto:") { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let file = parts[0].isEmpty ? url : url.deletingLastPathComponent().appendingPathComponent(String(parts[0]))
                guard FileManager.default.fileExists(atPath: file.standardizedFileURL.path) else {
                    Issue.record("\(page): \(target) does not exist")
                    continue
                }
                if parts.count == 2, file.pathExtension == "md" {
                    #expect(try Self.anchors(file).contains(String(parts[1])), "\(page): \(target) has no such heading")
                }
            }
        }
    }

    /// GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to dashes.
    static func anchors(_ file: URL) throws -> Set<String> {
        let text = try String(contentsOf: file, encoding: .utf8)
        return Set(
            text.split(separator: "\n").filter { $0.hasPrefix("#") }.map { line in
                let heading = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
                return String(
                    heading.unicodeScalars.filter {
                        CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == " "
                    }.map(Character.init)
                ).replacingOccurrences(of: " ", with: "-")
            })
    }
}
