import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A URLSession whose every transfer is bounded: in bytes (`BoundedBodies`), in time (a
/// deadline on the whole transfer, headers to last byte, kept here because
/// FoundationNetworking's request timeout is an idle timer that a receiver trickling a byte
/// every few seconds never trips), and in where it may go (redirects only within their
/// origin). The Etlworks client and the SLA notifications both send through one.
public final class BoundedSession: Sendable {
    private let session: URLSession
    private let bodies = BoundedBodies()

    /// `backstop` is the session's own idle and resource timeout, beyond every deadline.
    public init(backstop: Double) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = backstop
        configuration.timeoutIntervalForResource = backstop * 2
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration, delegate: bodies, delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// The answer of one transfer.
    public enum Outcome: Sendable {
        case answered(Data, HTTPURLResponse)
        /// The body passed `limit` bytes (or the headers announced more); nothing was kept.
        case tooLarge(bytes: Int64)
        /// The whole transfer did not end within its deadline.
        case timedOut
        case failed(any Error)
    }

    /// Sends `request`; the transfer is cancelled once it has taken `deadline` seconds or its
    /// body passes `limit` bytes, and when the calling task is cancelled.
    public func send(_ request: URLRequest, deadline: Double, limit: Int64) async -> Outcome {
        let task = session.dataTask(with: request)
        let watchdog = Task { () -> Bool in
            guard (try? await Task.sleep(for: .seconds(deadline))) != nil else { return false }
            task.cancel()
            return true
        }
        let outcome = await bodies.run(task, limit: limit)
        watchdog.cancel()
        let timedOut = await watchdog.value
        switch outcome {
        case .answered(let data, let response):
            guard let http = response as? HTTPURLResponse else { return .failed(URLError(.badServerResponse)) }
            return .answered(data, http)
        case .tooLarge(let bytes): return .tooLarge(bytes: bytes)
        case .failed(let error): return timedOut ? .timedOut : .failed(error)
        }
    }
}
