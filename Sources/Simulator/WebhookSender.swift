import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Posts an Etlworks `Flow.Executed` webhook for every run of the simulated tenant that ends,
/// as the vendor's webhooks do: the `X-Etl-Webhook-*` headers, the documented JSON body, and
/// HTTP Basic (`basicUser`, `basicPass`) or a custom header. `copies` sends each event more
/// than once (same event id), as a sender that retries would. Checked every quarter second.
public struct WebhookTarget: Sendable, Equatable {
    public var url: URL
    public var user: String?
    public var password: String?
    public var header: (name: String, value: String)?
    public var copies = 1

    public init(url: URL, user: String? = nil, password: String? = nil) {
        self.url = url
        self.user = user
        self.password = password
    }

    public static func == (a: WebhookTarget, b: WebhookTarget) -> Bool {
        a.url == b.url && a.user == b.user && a.password == b.password && a.header?.name == b.header?.name
            && a.header?.value == b.header?.value && a.copies == b.copies
    }
}

actor WebhookSender {
    private let target: WebhookTarget
    private let session: URLSession
    private var webhookSerial: Int64 = 0
    private(set) var sent = 0
    private(set) var failed = 0

    init(target: WebhookTarget) {
        self.target = target
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 5
        session = URLSession(configuration: configuration)
    }

    /// One event per run, each posted `copies` times; failures are counted, not retried.
    func send(_ runs: [(flowId: Int64, auditId: Int64)], now: Int64) async {
        for run in runs {
            webhookSerial += 1
            let eventId = UUID().uuidString.lowercased()
            let entityURL = "https://simulator.invalid/rest/v1/flows/\(run.flowId)?auditId=\(run.auditId)"
            let body: [String: Any] = [
                "eventId": eventId, "eventType": "Flow.Executed", "webhookId": 1, "entityId": run.auditId,
                "entity": ["flowId": run.flowId, "auditId": run.auditId], "entityUrl": entityURL, "timestamp": now
            ]
            var request = URLRequest(url: target.url)
            request.httpMethod = "POST"
            request.httpBody = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(eventId, forHTTPHeaderField: "X-Etl-Webhook-Event-Id")
            request.setValue("Flow.Executed", forHTTPHeaderField: "X-Etl-Webhook-Event")
            request.setValue("1", forHTTPHeaderField: "X-Etl-Webhook-Id")
            request.setValue(String(run.auditId), forHTTPHeaderField: "X-Etl-Webhook-Entity-Id")
            request.setValue(entityURL, forHTTPHeaderField: "X-Etl-Webhook-Entity-URL")
            if let user = target.user, let password = target.password {
                let token = Data("\(user):\(password)".utf8).base64EncodedString()
                request.setValue("Basic \(token)", forHTTPHeaderField: "Authorization")
            }
            if let header = target.header { request.setValue(header.value, forHTTPHeaderField: header.name) }
            for _ in 0..<max(1, target.copies) {
                let status = (try? await session.data(for: request)).flatMap { ($0.1 as? HTTPURLResponse)?.statusCode }
                if let status, (200..<300).contains(status) { sent += 1 } else { failed += 1 }
            }
        }
    }
}
