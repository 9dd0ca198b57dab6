import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Receives every answer of a session chunk by chunk, so that no answer can grow past its
/// byte limit: the transfer is cancelled as soon as it would (or as soon as the headers
/// announce more), instead of after the whole body is in memory. URLSession's `data(for:)`
/// buffers the whole body and has no limit; `bytes(for:)` is not available on Linux.
/// Also follows redirects only within their origin (`SameOriginRedirects`).
final class BoundedBodies: NSObject, URLSessionDataDelegate, Sendable {
    /// The answer of one request: its headers and body, or why there is none.
    enum Outcome: Sendable {
        case answered(Data, URLResponse)
        case tooLarge(bytes: Int64)
        case failed(any Error)
    }

    private final class Transfer: Sendable {
        let limit: Int64
        let state: Mutex<(body: Data, response: URLResponse?, oversize: Int64?)>
        let continuation: CheckedContinuation<Outcome, Never>

        init(limit: Int64, continuation: CheckedContinuation<Outcome, Never>) {
            self.limit = limit
            self.continuation = continuation
            state = Mutex((Data(), nil, nil))
        }
    }

    private let transfers = Mutex<[Int: Transfer]>([:])

    /// Runs `task`, gathering at most `limit` bytes of its body.
    func run(_ task: URLSessionDataTask, limit: Int64) async -> Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfers.withLock { $0[task.taskIdentifier] = Transfer(limit: limit, continuation: continuation) }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        guard let transfer = transfers.withLock({ $0[dataTask.taskIdentifier] }) else { return completionHandler(.cancel) }
        let announced = response.expectedContentLength
        let tooLarge = announced > transfer.limit
        transfer.state.withLock { state in
            state.response = response
            if tooLarge { state.oversize = announced }
            // An announced length is reserved once: appending chunk by chunk doubles the
            // buffer as it grows, up to twice the answer.
            if !tooLarge, announced > 0 { state.body.reserveCapacity(Int(announced)) }
        }
        completionHandler(tooLarge ? .cancel : .allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let transfer = transfers.withLock({ $0[dataTask.taskIdentifier] }) else { return }
        let over = transfer.state.withLock { state -> Bool in
            guard state.oversize == nil else { return false }
            let total = Int64(state.body.count) + Int64(data.count)
            if total > transfer.limit {
                state.oversize = total
                state.body = Data()
                return true
            }
            state.body.append(data)
            return false
        }
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let transfer = transfers.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        let (body, response, oversize) = transfer.state.withLock { ($0.body, $0.response, $0.oversize) }
        if let oversize {
            transfer.continuation.resume(returning: .tooLarge(bytes: oversize))
        } else if let error {
            transfer.continuation.resume(returning: .failed(error))
        } else if let response {
            transfer.continuation.resume(returning: .answered(body, response))
        } else {
            transfer.continuation.resume(returning: .failed(URLError(.badServerResponse)))
        }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        let sameOrigin = SameOriginRedirects.sameOrigin(response.url ?? task.originalRequest?.url, request.url)
        completionHandler(sameOrigin ? request : nil)
    }
}
