import Foundation
import TestSupport
import Testing

@testable import EtlworksAPI
@testable import Simulator

/// The root `/health` document (the vendor's published single-node example) and the shapes
/// a cluster's merged answer may take; `/rest/v1/system/health` judged by status alone.
@Suite struct InstanceHealthTests {
    /// The single-node answer as the vendor's help centre prints it.
    static let vendorExample = #"""
        {"status": "UP",
         "db": {"status": "UP", "version": "13.0", "schema.version": 84, "running.flows": 0},
         "disk": {"status": "UP", "free": 549674905600, "free.human": "511.9 GiB", "total": 640232857600, "total.human": "596.4 GiB"},
         "dataDisk": {"status": "UP", "free": 78954240000, "free.human": "73.5 GiB", "total": 128000000000, "total.human": "119.2 GiB"},
         "ram": {"status": "UP", "mem": 34092032000, "mem.free": 19785678848, "heap": 11185160192, "heap.used": 553466272},
         "cpu": {"status": "UP", "processors": 16, "systemload.average": 0.41, "threads": 41},
         "redis": {"status": "DOWN", "version": "7.0.9", "db.size": 81}}
        """#

    /// The document names its own nodes, components and disks, and each becomes series: 40
    /// nodes of 50 components and 30 disks would be 100,000. At most 8 nodes of 12
    /// components and 6 disks are kept, the rest summed into `other` entries.
    @Test func aHugeDocumentIsCappedAndTheRestSummed() throws {
        var nodes: [String] = []
        for index in 0..<40 {
            var members: [String] = [
                #""node": "n\#(index + 10)""#, #""status": "UP""#, #""db": {"status": "UP", "running.flows": 1}"#
            ]
            for component in 0..<50 {
                let status = index == 39 && component == 49 ? "DOWN" : "UP"
                members.append(#""c\#(component)": {"status": "\#(status)"}"#)
            }
            for disk in 0..<30 { members.append(#""d\#(disk)": {"status": "UP", "free": 10, "total": 100}"#) }
            nodes.append("{" + members.joined(separator: ", ") + "}")
        }
        let health = try InstanceHealth.decode(Data(("[" + nodes.joined(separator: ",") + "]").utf8))
        let (capped, summed) = health.capped()
        #expect(summed > 0)
        #expect(capped.nodes.count == InstanceHealth.maxNodes && capped.nodes.last?.name == "other")
        // Series as the renderer writes them: node up, each component, free and total per
        // disk, running flows, heap used and max, load.
        let series: Int = capped.nodes.map { 5 + $0.components.count + 2 * $0.disks.count }.reduce(0, +)
        #expect(series <= 256, "\(series) series")
        #expect(
            capped.nodes.allSatisfy {
                $0.components.count <= InstanceHealth.maxComponents && $0.disks.count <= InstanceHealth.maxDisks
            })
        // Nothing is lost from the sums: 40 nodes × 30 disks × 10 free bytes, 40 running flows.
        let free: Int64 = capped.nodes.flatMap { Array($0.disks.values) }.compactMap(\.freeBytes).reduce(0, +)
        #expect(free == 12_000)
        let running: Int64 = capped.nodes.compactMap(\.runningFlows).reduce(0, +)
        #expect(running == 40)
        #expect(capped.nodes.last?.components["other"] == false, "one component down among those summed")
        #expect(capped.nodes.first?.components["other"] == true)
        // A document within the caps is left as it is.
        let small = try InstanceHealth.decode(Data(Self.vendorExample.utf8))
        #expect(small.capped().health == small && small.capped().summed == 0)
    }

    @Test func theVendorsSingleNodeExampleDecodes() throws {
        let health = try InstanceHealth.decode(Data(Self.vendorExample.utf8))
        let node = try #require(health.nodes.first)
        #expect(health.nodes.count == 1 && node.name == nil && node.up == true)
        #expect(node.components == ["db": true, "disk": true, "dataDisk": true, "ram": true, "cpu": true, "redis": false])
        #expect(node.runningFlows == 0)
        #expect(node.disks["disk"] == NodeHealth.DiskSpace(freeBytes: 549_674_905_600, totalBytes: 640_232_857_600))
        #expect(node.disks["dataDisk"]?.freeBytes == 78_954_240_000)
        #expect(node.heapUsedBytes == 553_466_272 && node.heapMaxBytes == 11_185_160_192)
        #expect(node.systemLoad == 0.41)
    }

    @Test func aClusterMayListItsNodesInAnyOfThreeShapes() throws {
        let node = #"{"status": "UP", "db": {"status": "UP", "running.flows": 2}}"#
        let shapes = [
            #"{"status": "UP", "nodes": [{"node": "a", "status": "UP", "db": {"status": "UP", "running.flows": 2}}, {"name": "b", "status": "DOWN", "db": {"status": "DOWN"}}]}"#,
            #"[{"host": "a", "status": "UP", "db": {"status": "UP", "running.flows": 2}}, {"hostname": "b", "status": "DOWN", "db": {"status": "DOWN"}}]"#,
            #"{"a": \#(node), "b": {"status": "DOWN", "db": {"status": "DOWN"}}}"#
        ]
        for shape in shapes {
            let health = try InstanceHealth.decode(Data(shape.utf8))
            #expect(health.nodes.map(\.name) == ["a", "b"], "\(shape)")
            #expect(health.nodes.map(\.up) == [true, false])
            #expect(health.nodes.first?.runningFlows == 2)
        }
    }

    @Test func anotherShapeIsAnErrorNamingItsKeysNotItsValues() {
        #expect {
            _ = try InstanceHealth.decode(Data(#"{"healthy": true, "secretToken": "hunter2"}"#.utf8))
        } throws: { error in
            let text = "\(error)"
            return text.contains("healthy, secretToken") && !text.contains("hunter2")
        }
        #expect(throws: (any Error).self) { _ = try InstanceHealth.decode(Data("OK".utf8)) }
    }

    func client(_ harness: SimulatorHarness) -> HTTPEtlworksClient {
        HTTPEtlworksClient(
            configuration: ClientConfiguration(
                baseURL: harness.baseURL, credentials: .apiKey("sim-admin-key"), timeout: 20, maxRequestsPerSecond: 0))
    }

    @Test func systemHealthIsTheStatusWhateverTheBody() async throws {
        var options = SimulatorOptions(flows: 2)
        options.quirks = [.plainHealth]
        let harness = try await SimulatorHarness.start(options)
        #expect(try await client(harness).systemHealth().up)
        _ = try await harness.control("POST", "/_sim/instance", ["down": true])
        #expect(try await client(harness).systemHealth().up == false)
    }

    @Test func theRootHealthIsReadOutsideRest() async throws {
        var options = SimulatorOptions(flows: 2)
        options.nodes = 3
        let harness = try await SimulatorHarness.start(options)
        let health = try await client(harness).instanceHealth()
        #expect(health.nodes.map(\.name) == ["node-1", "node-2", "node-3"])
        #expect(try await harness.requestCounts()["/health"] == 1)
    }
}
