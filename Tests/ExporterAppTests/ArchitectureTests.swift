import Foundation
import Testing

/// docs/architecture.md draws the targets' dependency graph; it must be the one Package.swift
/// declares, and no library target may grow past about 3,000 lines.
@Suite struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `target -> dependency` for every source target of Package.swift and the targets of
    /// this package it names (products of other packages left out).
    static func declaredEdges() throws -> Set<String> {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var edges: Set<String> = []
        let blocks =
            manifest.components(separatedBy: ".target(").dropFirst().map { ("library", $0) }
            + manifest.components(separatedBy: ".executableTarget(").dropFirst().map { ("executable", $0) }
        for (_, block) in blocks {
            guard let name = block.firstMatch(of: /name: "([^"]+)"/)?.1 else { continue }
            guard !["ExporterBenchmarks", "HistorySoak", "TestSupport"].contains(String(name)) else { continue }
            // The dependencies list ends at the block's closing `])` or the next target.
            let body = block.components(separatedBy: ".target(")[0].components(separatedBy: ".testTarget(")[0]
            guard let list = body.firstMatch(of: /dependencies: \[([^\]]*)\]/)?.1 else { continue }
            let withoutProducts = list.replacing(/\.product\([^)]*\)/, with: "")
            for dependency in withoutProducts.matches(of: /"([^"]+)"/) { edges.insert("\(name) --> \(dependency.1)") }
        }
        return edges
    }

    @Test func theDrawnGraphIsTheDeclaredOne() throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let mermaid = try #require(page.firstMatch(of: /```mermaid\n([\s\S]*?)```/)?.1)
        let drawn = Set(mermaid.matches(of: /(\S+) --> (\S+)/).map { "\($0.1) --> \($0.2)" })
        let declared = try Self.declaredEdges()
        #expect(declared.count > 30)
        #expect(drawn.subtracting(declared).isEmpty, "drawn but not declared: \(drawn.subtracting(declared).sorted())")
        #expect(declared.subtracting(drawn).isEmpty, "declared but not drawn: \(declared.subtracting(drawn).sorted())")
    }

    @Test func noLibraryTargetIsPastThreeThousandLines() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        for target in try FileManager.default.contentsOfDirectory(atPath: sources.path) {
            guard let files = FileManager.default.enumerator(atPath: sources.appendingPathComponent(target).path) else {
                continue
            }
            var lines = 0
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: sources.appendingPathComponent("\(target)/\(file)"), encoding: .utf8)
                lines += text.split(separator: "\n", omittingEmptySubsequences: false).count
            }
            #expect(lines <= 3_000, "\(target) has \(lines) lines")
        }
    }
}
