import Foundation

/// An HTTP receiver that answers slowly, in a process of its own (python3): on any path
/// containing `/trickle` it sends a 200 with a `trickleBytes` body, one byte a second; on
/// any other path it answers an empty 200 after `delaySeconds`. Transfers that never idle
/// (a byte a second) trip no idle timer: only a whole-transfer deadline ends them.
package struct SlowReceiver: Sendable {
    package let process: ChildProcess
    package let port: String

    package static func start(trickleBytes: Int = 60, delaySeconds: Double = 2) async throws -> SlowReceiver {
        let script = """
            import socket, sys, time, threading
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0)); s.listen(64)
            print(s.getsockname()[1], flush=True)
            def serve(c):
                try:
                    data = c.recv(65536)
                    if b"/trickle" in data.split(b"\\r\\n")[0]:
                        c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: \(trickleBytes)\\r\\n\\r\\n")
                        for _ in range(\(trickleBytes)):
                            time.sleep(1); c.sendall(b"x")
                    else:
                        time.sleep(\(delaySeconds))
                        c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n")
                except OSError:
                    pass
                finally:
                    c.close()
            while True:
                c, _ = s.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()
            """
        let process = try ChildProcess(
            arguments: ["-c", script], directory: try Tools.temporaryDirectory(), name: "slow-receiver",
            executable: URL(fileURLWithPath: "/usr/bin/python3"))
        do {
            return SlowReceiver(process: process, port: try await process.firstLine(timeout: 20))
        } catch {
            process.stop()
            throw error
        }
    }

    package func stop() { process.stop() }
}
