import Foundation
import TestSupport
import Testing
import Vocabulary

/// docs/architecture.md draws the targets' dependency graph; it must be the one Package.swift
/// declares, every dependency goes down the layers, and the server stack stays in the
/// targets that serve. Size is not a rule (CONTRIBUTING.md has a note on it).
@Suite struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `target -> dependency` for every source target of Package.swift and the targets of
    /// this package it names (products of other packages left out), as
    /// `swift package dump-package` reads the manifest (in a scratch folder of its own, so
    /// that it never waits for the lock of the build that runs these tests).
    static func declaredEdges() throws -> Set<String> {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("architecture-dump-\(getpid())")
        var environment = ProcessInfo.processInfo.environment
        environment["ETLWORKS_DEV_TARGETS"] = nil
        let result = try Tools.runBlocking(
            "/usr/bin/env", ["swift", "package", "--package-path", root.path, "--scratch-path", scratch.path, "dump-package"],
            input: nil, environment: environment)
        guard result.status == 0 else { throw ManifestError(message: result.stderr) }
        struct Manifest: Decodable {
            struct Target: Decodable {
                var name: String
                var type: String
                var dependencies: [[String: [String?]]]
            }
            var targets: [Target]
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(result.stdout.utf8))
        let names = Set(manifest.targets.map(\.name))
        var edges: Set<String> = []
        for target in manifest.targets where ["regular", "executable", "system"].contains(target.type) {
            guard !["ExporterBenchmarks", "HistorySoak", "TestSupport"].contains(target.name) else { continue }
            for dependency in target.dependencies {
                guard let name = (dependency["byName"] ?? dependency["target"])?.first ?? nil, names.contains(name) else {
                    continue
                }
                edges.insert("\(target.name) --> \(name)")
            }
        }
        return edges
    }

    struct ManifestError: Error { var message: String }

    @Test func theDrawnGraphIsTheDeclaredOne() throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let mermaid = try #require(page.firstMatch(of: /```mermaid\n([\s\S]*?)```/)?.1)
        let drawn = Set(mermaid.matches(of: /(\S+) --> (\S+)/).map { "\($0.1) --> \($0.2)" })
        let declared = try Self.declaredEdges()
        #expect(declared.count > 30)
        #expect(drawn.subtracting(declared).isEmpty, "drawn but not declared: \(drawn.subtracting(declared).sorted())")
        #expect(declared.subtracting(drawn).isEmpty, "declared but not drawn: \(declared.subtracting(drawn).sorted())")
    }

    /// The layers, lowest first. A target depends only on targets of lower layers, or on one
    /// of its own layer that `sideways` names with the reason.
    static let layers: [[String]] = [
        ["CSQLite", "CZlib", "CMalloc", "BlockingThreads", "Exposition", "PatternMatching", "EtlworksAPI", "ExporterBase"],
        ["SQLiteDatabase", "Vocabulary"],
        ["Store", "SLAStore", "SlidingWindows"],
        ["SeriesQuery"],
        ["SLA", "Alerting", "Reports", "WebSecurity", "Simulator"],
        ["ExporterConfiguration"],
        ["ExporterCore"],
        ["ExporterApp"],
        ["etlworks-exporter"]
    ]

    /// Edges within a layer, each for a reason that cannot be avoided. None is between two
    /// features: a feature reaches another through words or a protocol in a lower target
    /// (`Vocabulary`'s `SLAAlertSink`, `SLAStore`'s `SLACompliance`).
    static let sideways: [String: String] = [
        "SLAStore --> Store": "episodes and states are kept in the run store's file",
        "SlidingWindows --> Store": "windows are filled from the stored completed runs"
    ]

    /// Targets that may run a server or import the server stack (NIO, Hummingbird, BoringSSL).
    static let serverSide: Set<String> = ["WebSecurity", "ExporterApp", "etlworks-exporter", "Simulator"]

    @Test func everyDependencyGoesDownTheLayers() throws {
        var layer: [String: Int] = [:]
        for (index, names) in Self.layers.enumerated() { for name in names { layer[name] = index } }
        for edge in try Self.declaredEdges().sorted() {
            let parts = edge.components(separatedBy: " --> ")
            let (from, to) = (parts[0], parts[1])
            let (upper, lower) = (
                try #require(layer[from], "\(from) has no layer"), try #require(layer[to], "\(to) has no layer")
            )
            #expect(
                lower < upper || (lower == upper && Self.sideways[edge] != nil),
                "\(edge) goes sideways or up: move what it needs to a lower target, or reach it through a protocol there")
        }
    }

    /// No server-side networking below the app: only the targets that serve import NIO,
    /// Hummingbird or NIOSSL, and no other target depends on them, even indirectly.
    @Test func onlyTheAppAndItsServersImportTheServerStack() throws {
        let edges = try Self.declaredEdges().map { $0.components(separatedBy: " --> ") }
        var dependencies: [String: Set<String>] = [:]
        for edge in edges { dependencies[edge[0], default: []].insert(edge[1]) }
        func closure(_ target: String) -> Set<String> {
            var seen: Set<String> = []
            var pending = Array(dependencies[target] ?? [])
            while let next = pending.popLast() {
                if seen.insert(next).inserted { pending += dependencies[next] ?? [] }
            }
            return seen
        }
        let sources = Self.root.appendingPathComponent("Sources")
        for target in try FileManager.default.contentsOfDirectory(atPath: sources.path) where !Self.serverSide.contains(target) {
            let reached = closure(target).intersection(Self.serverSide)
            #expect(reached.isEmpty, "\(target) depends on \(reached.sorted())")
            guard let files = FileManager.default.enumerator(atPath: sources.appendingPathComponent(target).path) else {
                continue
            }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: sources.appendingPathComponent("\(target)/\(file)"), encoding: .utf8)
                let imports = text.matches(of: /(?m)^import (Hummingbird\w*|NIO\w*)$/).map { String($0.1) }
                #expect(imports.isEmpty, "\(target)/\(file) imports \(imports)")
            }
        }
    }
}
