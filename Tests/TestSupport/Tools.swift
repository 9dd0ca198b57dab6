import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs external tools (the built binary, promtool, python) for tests.
package enum Tools {
    package static var exporterBinary: URL { binary("etlworks-exporter") }

    /// An executable of this package, built beside the test runner.
    package static func binary(_ name: String) -> URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0])
        // The test runner may be inside an .xctest bundle directory.
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return URL(fileURLWithPath: ".build/debug/\(name)")
    }

    /// Runs a command to completion, feeding `input` to stdin. The waiting happens on a
    /// thread of its own: a test blocked on a child process must not hold one of the
    /// cooperative pool's two threads, which every other test of the run shares (two such
    /// waits at once stalled the whole unit tier for seconds).
    package static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil,
        environment: [String: String]? = nil
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result { try runBlocking(executable, arguments, input: input, environment: environment) })
            }
        }
    }

    /// The same, waiting on the calling thread: only where nothing may await (a `defer`).
    package static func runBlocking(
        _ executable: String, _ arguments: [String], input: Data?, environment: [String: String]?
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// `promtool check metrics` on an exposition; returns its complaints (empty when clean).
    /// Lint warnings about naming are returned too: they count as failures here.
    package static func promtoolCheck(_ exposition: Data) async throws -> String {
        let result = try await run(which("promtool"), ["check", "metrics"], input: exposition)
        let output = (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        return result.status == 0 && output.isEmpty ? "" : "exit \(result.status): \(output)"
    }

    /// Parses an exposition with Python's prometheus_client (text or OpenMetrics); returns
    /// the number of samples, or throws with the parser's error.
    package static func pythonParse(_ exposition: Data, openMetrics: Bool) async throws -> Int {
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families as text_parse
            from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
            data = sys.stdin.buffer.read().decode('utf-8')
            parse = om_parse if sys.argv[1] == 'om' else text_parse
            print(sum(len(f.samples) for f in parse(data)))
            """
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : try which("python3")
        let result = try await run(python, ["-c", script, openMetrics ? "om" : "text"], input: exposition)
        guard result.status == 0, let count = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("prometheus_client rejected the exposition: \(result.stderr.suffix(600))")
        }
        return count
    }

    package static func which(_ name: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw HarnessError("\(name) is not installed (see .ci/run)")
    }

    /// A TCP port that was free a moment ago, for tools that cannot be told to pick one.
    package static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw HarnessError("socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw HarnessError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A fresh temporary directory.
    package static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("etlworks-exporter-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
