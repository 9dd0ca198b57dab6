import Foundation
import TestSupport
import Testing

/// The monitoring mixin (mixin/, rendered by Debian's jsonnet): the shipped alerts,
/// dashboards and PrometheusRule are its rendering, and a user's `_config` reaches every
/// rule and dashboard.
@Suite(.endToEnd, .requires("jsonnet")) struct MixinTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let userConfig = """
        { selector: 'job="etl-prod",env="eu"', runbookURLPattern: 'https://runbooks.example.com/etlworks/%s' }
        """

    @Test func theShippedFilesAreTheMixinsRendering() async throws {
        let result = try await Tools.run(Self.root.appendingPathComponent("scripts/mixin.sh").path, ["--check"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func aUsersSelectorAndRunbookPatternReachEveryRule() async throws {
        let rules = try await render("prometheusAlerts.groups + m.prometheusRules.groups")
        let all = try #require(rules as? [[String: Any]]).flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        #expect(all.count == 17)
        // Every series selector of every expression carries the user's matchers, and none the default's.
        let selector = try NSRegularExpression(pattern: #"\b(etlworks_[a-z_]+|up)\b(\{[^}]*\}|\[|)"#)
        for rule in all {
            let name = rule["alert"] as? String ?? rule["record"] as? String ?? "?"
            let expr = try #require(rule["expr"] as? String)
            let found = selector.matches(in: expr, range: NSRange(expr.startIndex..., in: expr))
            #expect(!found.isEmpty, "\(name)")
            for match in found {
                let text = String(expr[Range(match.range, in: expr)!])
                #expect(text.contains(#"{job="etl-prod",env="eu""#), "\(name): \(text)")
            }
            #expect(!expr.contains(#"job="etlworks""#), "\(name)")
            if let alert = rule["alert"] as? String {
                let annotations = try #require(rule["annotations"] as? [String: String])
                #expect(annotations["runbook_url"] == "https://runbooks.example.com/etlworks/\(alert.lowercased())")
            }
        }
        let dashboards = try #require(try await render("grafanaDashboards") as? [String: [String: Any]])
        #expect(dashboards.count == 5)
        for (file, board) in dashboards {
            let variables = (board["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
            let job = variables.first { $0["name"] as? String == "job" }
            #expect(job?["definition"] as? String == #"label_values(etlworks_up{job="etl-prod",env="eu"}, job)"#, "\(file)")
        }
    }

    /// The shipped rules' runbook links are absolute and land on a section of docs/runbook.md.
    @Test func everyRunbookURLIsAbsoluteAndHasItsSection() throws {
        let rules = try String(
            contentsOf: Self.root.appendingPathComponent("alerts/etlworks-exporter.rules.yml"), encoding: .utf8)
        let runbook = try String(contentsOf: Self.root.appendingPathComponent("docs/runbook.md"), encoding: .utf8)
        let anchors = Set(
            runbook.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { $0.dropFirst(3).lowercased() })
        let urls = rules.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "runbook_url: ") else { return nil }
            return line[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        #expect(urls.count == 16)
        for url in urls {
            #expect(url.hasPrefix("https://github.com/etlworks-exporter/etlworks-exporter/blob/main/docs/runbook.md#"))
            let anchor = url.split(separator: "#").last.map(String.init) ?? ""
            #expect(anchors.contains(anchor), "\(url) has no section in docs/runbook.md")
        }
    }

    /// The mixin with the user's configuration, one field of it as JSON.
    private func render(_ field: String) async throws -> Any {
        let mixin = Self.root.appendingPathComponent("mixin")
        let program = "local m = (import 'mixin.libsonnet') + { _config+:: \(Self.userConfig) }; m.\(field)"
        let result = try await Tools.run(try Tools.which("jsonnet"), ["-J", mixin.path, "-e", program])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }
}
