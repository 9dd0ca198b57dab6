import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long-running child process (the built binary) with stdout and stderr in files, so a
/// test can wait for its "listening on" line and read its logs afterwards.
package final class ChildProcess: @unchecked Sendable {
    // @unchecked: Process is not Sendable; the test owns this object and uses it from one task.
    package let process = Process()
    package let stdoutFile: URL
    package let stderrFile: URL

    package init(
        arguments: [String], directory: URL, name: String, environment: [String: String]? = nil,
        executable: URL = Tools.exporterBinary
    ) throws {
        stdoutFile = directory.appendingPathComponent("\(name).stdout")
        stderrFile = directory.appendingPathComponent("\(name).stderr")
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit { if process.isRunning { process.terminate() } }

    package var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
    package var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// Waits for a line `… listening on http://HOST:PORT` and returns the base URL.
    package func listeningURL(timeout: Double = 60) async throws -> URL {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = stdout.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
                let range = line.range(of: "http://")
            {
                return URL(string: String(line[range.lowerBound...]).trimmingCharacters(in: .whitespaces))!
            }
            if !process.isRunning { throw HarnessError("process exited \(process.terminationStatus): \(stderr.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("no 'listening on' line within \(timeout)s: \(stderr.suffix(2000))")
    }

    /// Ends the process with SIGKILL: children of the test runner inherit its ignored SIGTERM
    /// (the service lifecycle's signal handling), so a helper script would outlive the test.
    package func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the first whole line on stdout (a port a helper script prints).
    package func firstLine(timeout: Double = 60) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = stdout
            if let end = text.firstIndex(of: "\n") { return String(text[..<end]) }
            if !process.isRunning { throw HarnessError("process exited \(process.terminationStatus): \(stderr.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("no line on stdout within \(timeout)s: \(stderr.suffix(2000))")
    }

    /// Sends SIGTERM and waits; returns the exit status and the seconds it took.
    package func terminate(timeout: Double = 15) async throws -> (Int32, Double) {
        let started = Date()
        process.terminate()
        while process.isRunning {
            if Date().timeIntervalSince(started) > timeout {
                kill(process.processIdentifier, SIGKILL)
                throw HarnessError("did not exit within \(timeout)s of SIGTERM")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (process.terminationStatus, Date().timeIntervalSince(started))
    }

    /// Waits for the process to exit by itself.
    package func waitForExit(timeout: Double = 30) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { throw HarnessError("did not exit within \(timeout)s") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }
}

/// One sample of a parsed exposition.
package struct ParsedSample: Sendable {
    package let name: String
    package let labels: [String: String]
    package let value: Double
}

package enum Exposition {
    /// Parses an exposition with Python's prometheus_client, an implementation independent of ours.
    package static func parse(_ data: Data) async throws -> [ParsedSample] {
        let script = """
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for family in text_string_to_metric_families(sys.stdin.buffer.read().decode('utf-8')):
                for s in family.samples:
                    out.append([s.name, s.labels, s.value])
            print(json.dumps(out))
            """
        let python =
            FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : try Tools.which("python3")
        let result = try await Tools.run(python, ["-c", script], input: data)
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[Any]] else {
            throw HarnessError("parse failed: \(result.stderr.suffix(500))")
        }
        return json.map {
            ParsedSample(name: $0[0] as! String, labels: $0[1] as! [String: String], value: ($0[2] as! NSNumber).doubleValue)
        }
    }
}
