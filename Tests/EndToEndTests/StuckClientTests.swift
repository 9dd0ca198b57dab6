import Foundation
import TestSupport
import Testing

/// A client that pipelines /metrics requests and never reads the answers blocks a response
/// write for as long as it lives. Neither a reload nor a shutdown may wait on it: SIGHUP
/// brings the server back, SIGTERM ends the process within the graceful-shutdown deadline.
/// Part of the serialized end-to-end suite.
extension EndToEndTests {
    static let stuckClient = """
        import socket, sys, time
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", int(sys.argv[1])))
        s.sendall(b"GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" * 400)
        print("sent", flush=True)
        time.sleep(300)
        """

    /// A deployment polling once, and a client stuck on its /metrics.
    func deployWithStuckClient(_ database: String) async throws -> (Deployment, ChildProcess) {
        let deployment = try await deploy(flows: 30, database: database)
        _ = try await waitForPolls(deployment.exporter, "executions", moreThan: 0)
        let stuck = try ChildProcess(
            arguments: ["-c", Self.stuckClient, String(deployment.exporter.port ?? 0)], directory: directory,
            name: "stuck-client-\(database)", executable: URL(fileURLWithPath: "/usr/bin/python3"))
        return (deployment, stuck)
    }

    @Test func aClientThatStopsReadingHoldsNeitherReloadNorShutdown() async throws {
        let (deployment, stuck) = try await deployWithStuckClient("stuck.db")
        defer { stuck.process.terminate() }
        try await Task.sleep(for: .seconds(3))
        #expect(stuck.process.isRunning, "the client is still connected: \(stuck.stderr)")

        kill(deployment.serve.process.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(30)
        while !deployment.serve.stderr.contains("Reloaded the configuration") {
            guard Date() < deadline, deployment.serve.process.isRunning else {
                Issue.record("SIGHUP did not reload within 30 s: \(deployment.serve.stderr.suffix(1500))")
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        // The listener is back (it closes for a moment while the services restart).
        var status = 0
        let back = Date().addingTimeInterval(10)
        while status != 200, Date() < back {
            status = (try? await HTTP.get(deployment.exporter.appendingPathComponent("-/healthy")).0) ?? 0
            if status != 200 { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(status == 200, "the listener is back after the reload")

        let (code, seconds) = try await deployment.serve.terminate(timeout: 40)
        #expect(seconds < 15, "SIGTERM took \(seconds) s")
        #expect(code == 0)
    }

    /// Without a shutdown to end it, the stalled write ends by itself: the connection is closed
    /// once no write has completed for 30 s, and a SIGTERM after that has nothing to wait for.
    @Test func aStalledWriteIsClosedAfterItsTimeout() async throws {
        let (deployment, stuck) = try await deployWithStuckClient("stalled.db")
        defer { stuck.process.terminate() }
        try await Task.sleep(for: .seconds(36))
        let (code, seconds) = try await deployment.serve.terminate(timeout: 40)
        #expect(seconds < 5, "SIGTERM still waited \(seconds) s: the stalled connection was not closed")
        #expect(code == 0)
    }
}
