import Foundation

/// The built-in Etlworks API: serves every endpoint of the contract's openapi.yaml from a
/// deterministic simulated tenant, with API-key and JWT auth, paging, and faults that tests
/// switch on at runtime. Control endpoints live under `/_sim/`.
public actor EtlworksSimulator {
    /// Every tenant (one without `options.tenants`); requests see the one of their context.
    private var tenants: [SimulatedTenant]
    /// The index of the tenant the request being answered sees (0 outside requests: control
    /// endpoints and the webhook sender act on tenant 1).
    private var current = 0
    private var tenant: SimulatedTenant {
        get { tenants[current] }
        set { tenants[current] = newValue }
    }
    /// The tenant a switched token carries, by token.
    private var tokenTenants: [String: Int] = [:]
    private var clock = SimulatedClock()
    private var faults = FaultPlan()
    private var tokens: [String: Int64] = [:]
    private var tokenSerial = 0
    private var denyAdmin = false
    private var rejectFutureDates = false
    private var instanceDown = false
    private var requestCounts: [String: Int] = [:]
    private let options: SimulatorOptions
    /// Posts webhooks for runs that end (`POST /_sim/webhooks`, `simulate --webhook-url`).
    private var webhooks: (senders: [WebhookSender], task: Task<Void, Never>)?

    public init(options: SimulatorOptions) {
        self.options = options
        let origin = SimulatedClock.realNow()
        tenants = (0..<max(1, options.tenants)).map { index in
            var own = options
            own.seed = options.seed &+ UInt64(index) &* 7919
            return SimulatedTenant(options: own, origin: origin)
        }
    }

    /// The simulator's current time, epoch ms.
    public func now() -> Int64 { clock.now() }

    /// Sends a `Flow.Executed` webhook to `target` for every run that ends from now on (nil:
    /// stop sending). With `--tenants`, each tenant has its webhook, as each tenant of an
    /// instance configures its own: tenant N's runs go to `target`'s URL with `/N` appended
    /// (the exporter's `/api/v1/webhooks/etlworks/{tenant_id}`).
    public func sendWebhooks(to target: WebhookTarget?) {
        webhooks?.task.cancel()
        webhooks = nil
        guard let target else { return }
        let senders = tenants.indices.map { index in
            var own = target
            if options.tenants > 0 { own.url = target.url.appendingPathComponent(String(index + 1)) }
            return WebhookSender(target: own)
        }
        let task = Task { [weak self] in
            var checked = await self?.now() ?? 0
            while !Task.isCancelled, let self {
                try? await Task.sleep(for: .milliseconds(250))
                let now = await self.now()
                guard now > checked else { continue }
                for (index, sender) in senders.enumerated() {
                    await sender.send(await self.runsEnded(after: checked, upTo: now, tenant: index), now: now)
                }
                checked = now
            }
        }
        webhooks = (senders, task)
    }

    /// Runs of the live flows of the tenant at `index` that ended in (after, upTo], epoch ms.
    func runsEnded(after: Int64, upTo: Int64, tenant index: Int = 0) -> [(flowId: Int64, auditId: Int64)] {
        tenants[index].runs(queuedFrom: after - 2 * 86_400_000, to: upTo + 1, now: upTo).compactMap { run in
            guard let ended = run.ended, ended > after, ended <= upTo else { return nil }
            return (run.flowId, run.auditId)
        }
    }

    /// The tenant as served, so tests compute runs from the same origin the simulator does.
    var servedTenant: SimulatedTenant { tenants[0] }

    /// Answers one request.
    public func handle(_ request: SimulatorRequest) -> SimulatorResponse {
        if request.path.hasPrefix("/_sim/") { return control(request) }
        if request.path == "/health" {
            requestCounts["/health", default: 0] += 1
            return nodeHealth(request)
        }
        if request.path.hasPrefix("/etl/rest/") {
            requestCounts["/etl/rest/v1/tasks/{auditId}", default: 0] += 1
            return etlTasks(request)
        }
        guard request.path.hasPrefix("/rest/") else { return .error(404, "no such path", path: request.path) }
        let path = String(request.path.dropFirst("/rest".count))
        let segments = path.split(separator: "/").map(String.init)
        requestCounts[Self.template(segments), default: 0] += 1
        // The request's tenant: its switched token's, or `tenantId` on the Reporting API.
        defer { current = 0 }
        if let token = bearer(request), let index = tokenTenants[token] { current = index }
        if options.tenants > 0, segments == ["v1", "metrics", "executions"], let text = request.query["tenantId"] {
            guard let id = Int(text), (1...options.tenants).contains(id) else {
                return .error(400, "no tenant \(text)", path: request.path)
            }
            guard authenticate(request) == .administrator else { return refused(request.path, needs: "Super Admin") }
            current = id - 1
        }
        if let fault = faults.take(path: path) {
            if let response = act(fault, request: request) { return response }
            var response = api(request, path: path, segments: segments)
            response.delay = fault.delaySeconds ?? 0
            return response
        }
        return api(request, path: path, segments: segments)
    }

    // MARK: Faults

    private func act(_ fault: Fault, request: SimulatorRequest) -> SimulatorResponse? {
        let path = request.path
        switch fault.kind {
        case .slow:
            return nil
        case .status:
            let status = fault.status ?? 500
            let headers = fault.retryAfter.map { [("Retry-After", $0)] } ?? []
            return .error(status, "injected fault", path: path, headers: headers)
        case .malformed:
            return SimulatorResponse(
                status: 200, headers: [("Content-Type", "application/json")],
                body: Data("<html>upstream proxy error</html>".utf8))
        case .truncated:
            return SimulatorResponse(
                status: 200, headers: [("Content-Type", "application/json")],
                body: Data(#"[{"id": 1, "name": "cut"#.utf8))
        case .drop:
            var response = SimulatorResponse(
                status: 200, headers: [("Content-Type", "application/json")],
                body: Data(#"[{"id": 1"#.utf8))
            response.dropConnection = true
            return response
        case .echo:
            let reflected =
                "rejected Authorization: \(request.authorization ?? "none"); body: \(String(decoding: request.body, as: UTF8.self))"
            return .error(fault.status ?? 500, reflected, path: path)
        }
    }

    /// The endpoint template of a path, for request counting: ids become `{flowId}`.
    static func template(_ segments: [String]) -> String {
        if segments.count == 4, segments.prefix(3) == ["v1", "token-auth", "tenants"] { return "/v1/token-auth/tenants/{id}" }
        guard segments.count >= 3, segments[1] == "executions", Int64(segments[2]) != nil else {
            return "/" + segments.joined(separator: "/")
        }
        var template = Array(segments[0...1]) + ["{flowId}"] + segments.dropFirst(3)
        if template.count > 4, template[3] == "audit" { template[4] = "{auditId}" }
        return "/" + template.joined(separator: "/")
    }

    // MARK: API

    private func bearer(_ request: SimulatorRequest) -> String? {
        guard let header = request.authorization, header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }

    private func authenticate(_ request: SimulatorRequest) -> SimulatorRole? {
        guard let token = bearer(request) else { return nil }
        if options.apiKeys.contains(token) { return .administrator }
        if options.limitedApiKeys.contains(token) { return .editor }
        if options.operatorApiKeys.contains(token) { return .operator }
        if let expiry = tokens[token], expiry > SimulatedClock.realNow() { return options.userRole }
        return nil
    }

    /// The answer to a role that may not call the endpoint: 403, or 401 as some instances send.
    private func refused(_ path: String, needs role: String) -> SimulatorResponse {
        .error(options.quirks.contains(.role401) ? 401 : 403, "Access is denied: the \(role) role is required", path: path)
    }

    private func api(_ request: SimulatorRequest, path: String, segments: [String]) -> SimulatorResponse {
        let now = clock.now()
        let fullPath = request.path
        switch (request.method, segments) {
        case ("POST", ["v1", "token-auth"]) where options.quirks.contains(.issueLogin):
            return .error(405, "Request method 'POST' not supported", path: fullPath)
        case ("POST", ["v1", "token-auth"]), ("POST", ["v1", "token-auth", "issue"]):
            guard let credentials = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
                credentials["login"] as? String == options.user, credentials["password"] as? String == options.password
            else { return .error(401, "Invalid login or password", path: fullPath) }
            return .json(["token": mintToken()])
        case ("POST", let parts)
        where options.tenants > 0 && parts.count == 4 && parts.prefix(3) == ["v1", "token-auth", "tenants"]:
            let text = parts[3]
            guard authenticate(request) != nil else { return .error(401, "Token expired or invalid", path: fullPath) }
            guard let id = Int(text), (1...options.tenants).contains(id) else {
                return .error(404, "no tenant \(text)", path: fullPath)
            }
            guard authenticate(request) == .administrator, !options.refusedTenants.contains(id) else {
                return .error(403, "Access is denied to tenant \(id)", path: fullPath)
            }
            let token = mintToken()
            tokenTenants[token] = id - 1
            return .json(["token": token])
        case ("GET", ["v1", "tenants"]) where options.tenants > 0:
            guard let access = authenticate(request) else {
                return .error(401, "Full authentication is required to access this resource", path: fullPath)
            }
            guard access == .administrator else { return refused(fullPath, needs: "Super Admin") }
            return .json((1...options.tenants).map { ["id": $0, "name": "tenant \($0)"] as [String: Any] })
        case ("POST", ["v1", "token-auth", "refresh"]):
            guard authenticate(request) != nil, request.authorization.map({ tokens[String($0.dropFirst(7))] != nil }) == true
            else { return .error(401, "Token expired or invalid", path: fullPath) }
            let token = mintToken()
            // A refreshed token keeps its tenant.
            if let old = bearer(request), let index = tokenTenants[old] { tokenTenants[token] = index }
            return .json(["token": token])
        case ("GET", ["v1", "system", "health"]):
            if options.quirks.contains(.plainHealth) {
                return SimulatorResponse(
                    status: instanceDown ? 503 : 200, headers: [("Content-Type", "text/plain")],
                    body: Data((instanceDown ? "Service Unavailable" : "OK").utf8))
            }
            return .json(
                ["status": instanceDown ? "DOWN" : "UP", "db": ["status": instanceDown ? "DOWN" : "UP"]],
                status: instanceDown ? 503 : 200)
        default:
            break
        }
        guard let access = authenticate(request) else {
            return .error(401, "Full authentication is required to access this resource", path: fullPath)
        }
        guard request.method == "GET" else { return .error(405, "method not allowed", path: fullPath) }
        if access == .operator, segments.count < 2 || !["executions", "system"].contains(segments[1]) {
            return refused(fullPath, needs: "Editor")
        }
        switch segments {
        case ["v1", "flows"]:
            let flows = tenant.liveFlows.map(flowJSON)
            return page(flows, request: request)
        case let s where s.count == 3 && s[0] == "v1" && s[1] == "flows":
            guard let id = Int64(s[2]), let flow = tenant.flow(id: id) else {
                return .error(404, "Flow not found", path: fullPath)
            }
            return .json(flowJSON(flow))
        case ["v1", "metrics", "executions"]:
            if access != .administrator || denyAdmin { return refused(fullPath, needs: "Administrator") }
            return dailyExecutions(request, now: now)
        case ["v1", "metrics", "executions", "summary"]:
            if options.quirks.contains(.unknownShapes) {
                return .json(["stats": ["total": 12, "ok": 11], "generatedAt": now])
            }
            return summary(request, now: now)
        case let s where s.count >= 3 && s[0] == "v1" && s[1] == "executions":
            guard let id = Int64(s[2]), let flow = tenant.flow(id: id) else {
                return .error(404, "Flow not found", path: fullPath)
            }
            switch s.count {
            case 3: return record(flow, request: request, now: now)
            case 4 where s[3] == "history":
                let since = request.query["since"].flatMap { Int64($0) }
                let runs = tenant.history(flow: flow, since: since, now: now)
                return page(runs, request: request)
            case 6 where s[3] == "audit" && s[5] == "running-tasks":
                if access != .administrator { return refused(fullPath, needs: "Administrator") }
                guard let auditId = Int64(s[4]), let tasks = tenant.runningTasks(auditId: auditId, type: nil, now: now)
                else { return .error(404, "Execution not found", path: fullPath) }
                return .json(tasks)
            case 4 where s[3] == "statuses":
                let from = request.query["from"].flatMap { Int64($0) } ?? now - 86_400_000
                let to = request.query["to"].flatMap { Int64($0) } ?? now
                var counts: [String: Int] = [:]
                for run in tenant.runs(queuedFrom: from, to: to + 1, now: now, flows: [flow]) {
                    counts[run.status, default: 0] += 1
                }
                return .json(counts)
            default: return .error(404, "no such path", path: fullPath)
            }
        case ["v1", "agents"]:
            if options.quirks.contains(.unknownShapes) {
                let agents = tenant.agents(now: now).map { ["agentName": $0.name, "agentState": $0.status] }
                return page(agents, request: request)
            }
            if options.quirks.contains(.stringAgentIds) {
                return page(tenant.agents(now: now).map(\.asReported), request: request)
            }
            return page(tenant.agents(now: now), request: request)
        case ["v1", "billing", "subscription"]:
            if options.quirks.contains(.noBilling) { return .error(404, "Not Found", path: fullPath) }
            if options.quirks.contains(.unknownShapes) {
                return .json(["plan": ["name": "Business"], "limits": ["records": 500_000_000]])
            }
            return .json(tenant.subscription(now: now))
        case ["v1", "schedules"]:
            return page(tenant.liveFlows.filter { !$0.isChangeDataCapture }.map { scheduleJSON($0) }, request: request)
        case ["v1", "system", "info"]:
            if options.quirks.contains(.unknownShapes) { return .json(["appVersion": "6.4.2", "edition": "cloud"]) }
            return .json(["version": "6.4.2", "build": "simulator", "deploymentMode": "cloud"])
        default:
            return .error(404, "no such path", path: fullPath)
        }
    }

    /// `GET /etl/rest/v1/tasks/{auditId}/?type=`: the running tasks of a run (Administrator).
    private func etlTasks(_ request: SimulatorRequest) -> SimulatorResponse {
        let segments = request.path.split(separator: "/").map(String.init)
        guard !options.quirks.contains(.noEtlTasks), request.method == "GET", segments.count == 5,
            segments[2...3] == ["v1", "tasks"], let auditId = Int64(segments[4])
        else { return .error(404, "Not Found", path: request.path) }
        guard let access = authenticate(request) else {
            return .error(401, "Full authentication is required to access this resource", path: request.path)
        }
        if access != .administrator { return refused(request.path, needs: "Administrator") }
        guard let tasks = tenant.runningTasks(auditId: auditId, type: request.query["type"], now: clock.now()) else {
            return .json([[String: Any]]())
        }
        return .json(tasks)
    }

    /// The root `/health` (no authentication): one node's document, or with `allNodes=true`
    /// and several nodes, `{"status", "nodes": [...]}`. Running flows are the tenant's.
    private func nodeHealth(_ request: SimulatorRequest) -> SimulatorResponse {
        if options.quirks.contains(.noNodeHealth) { return .error(404, "Not Found", path: request.path) }
        let now = clock.now()
        let running = tenant.liveFlows.reduce(0) { total, flow in
            total + tenant.history(flow: flow, since: now - 86_400_000, now: now).filter { $0.status == "running" }.count
        }
        let status = instanceDown ? "DOWN" : "UP"
        func node(_ index: Int) -> [String: Any] {
            [
                "status": status,
                "db": ["status": status, "version": "13.0", "schema.version": 84, "running.flows": index == 0 ? running : 0],
                "disk": ["status": "UP", "free": 549_674_905_600 - index, "total": 640_232_857_600, "free.human": "511.9 GiB"],
                "dataDisk": ["status": "UP", "free": 78_954_240_000, "total": 128_000_000_000],
                "ram": ["status": "UP", "mem": 34_092_032_000, "heap": 11_185_160_192, "heap.used": 553_466_272 + index],
                "cpu": ["status": "UP", "processors": 16, "systemload.average": 0.41],
                "redis": ["status": "UP", "version": "7.0.9"]
            ]
        }
        guard options.nodes > 1, request.query["allNodes"] == "true" else { return .json(node(0)) }
        let nodes = (0..<options.nodes).map { index in node(index).merging(["node": "node-\(index + 1)"]) { $1 } }
        return .json(["status": status, "nodes": nodes])
    }

    private func mintToken() -> String {
        tokenSerial += 1
        let expiry = SimulatedClock.realNow() + Int64(options.jwtLifetime * 1000)
        let header = Self.base64URL(#"{"alg":"HS256","typ":"JWT"}"#)
        let payload = Self.base64URL(#"{"sub":"\#(options.user)","exp":\#(expiry / 1000),"jti":\#(tokenSerial)}"#)
        let token = "\(header).\(payload).\(Self.base64URL("sim-signature-\(tokenSerial)"))"
        tokens[token] = expiry
        return token
    }

    private static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    private func flowJSON(_ flow: SimulatedFlow) -> [String: Any] {
        [
            "id": flow.id, "name": flow.name, "description": NSNull(), "flowType": flow.flowType, "tags": flow.tags,
            "updated": tenant.origin
        ]
    }

    private func scheduleJSON(_ flow: SimulatedFlow) -> [String: Any] {
        let seconds = flow.period / 1000
        let interval: String
        if options.scheduleIntervalInSeconds {
            interval = String(seconds)
        } else {
            interval = seconds % 60 == 0 ? String(seconds / 60) : String(Double(seconds) / 60)
        }
        let schedule = flow.index % 3 == 0 && seconds % 60 == 0 && seconds >= 60 ? "0 */\(seconds / 60) * * * ?" : interval
        return [
            "id": flow.scheduleId, "name": "schedule of \(flow.name)", "flowId": flow.id, "enabled": true,
            "schedule": schedule, "expectedTime": max(1, Int(flow.period / 60_000)), "retries": 0,
            "delayBetweenRetries": 5, "keepEmptyAudit": true, "tags": flow.tags
        ]
    }

    /// Applies `limit` (default 50, 1...200) and `offset`, with `X-Total-Count`.
    private func page<T: Encodable>(_ items: [T], request: SimulatorRequest) -> SimulatorResponse {
        guard let (offset, limit) = paging(request) else {
            return .error(400, "limit must be 1..200 and offset >= 0", path: request.path)
        }
        let slice = offset < items.count ? Array(items[offset..<min(items.count, offset + limit)]) : []
        return .encoded(slice, headers: [("X-Total-Count", String(items.count))])
    }

    private func page(_ items: [[String: Any]], request: SimulatorRequest) -> SimulatorResponse {
        guard let (offset, limit) = paging(request) else {
            return .error(400, "limit must be 1..200 and offset >= 0", path: request.path)
        }
        let slice = offset < items.count ? Array(items[offset..<min(items.count, offset + limit)]) : []
        return .json(slice, headers: [("X-Total-Count", String(items.count))])
    }

    private func paging(_ request: SimulatorRequest) -> (Int, Int)? {
        let limit = request.query["limit"].map { Int($0) ?? -1 } ?? 50
        let offset = request.query["offset"].map { Int($0) ?? -1 } ?? 0
        guard (1...200).contains(limit), offset >= 0 else { return nil }
        return (options.quirks.contains(.ignoreOffset) ? 0 : offset, limit)
    }

    private func dailyExecutions(_ request: SimulatorRequest, now: Int64) -> SimulatorResponse {
        let dayStart: Int64
        if let date = request.query["date"], !options.quirks.contains(.oldReporting) {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            guard let day = formatter.date(from: date) else {
                return .error(400, "date must be YYYY-MM-DD", path: request.path)
            }
            dayStart = Int64(day.timeIntervalSince1970 * 1000)
            if rejectFutureDates, dayStart > now {
                return .error(400, "date must not be in the future", path: request.path)
            }
        } else {
            let offsetDays = request.query["offset"].flatMap { Int64($0) } ?? 0
            dayStart = (now / 86_400_000 - offsetDays) * 86_400_000
        }
        let groups = tenant.executions(dayStart: dayStart, now: now).map { flow, runs in
            FlowExecutionsJSON(flowId: flow.id, name: flow.name, executions: runs)
        }
        return .encoded(groups)
    }

    private struct FlowExecutionsJSON: Encodable {
        let flowId: Int64
        let name: String
        let executions: [SimulatedRun]
    }

    private func record(_ flow: SimulatedFlow, request: SimulatorRequest, now: Int64) -> SimulatorResponse {
        guard let auditId = request.query["auditId"].flatMap({ Int64($0) }), let sequence = flow.sequence(ofAuditId: auditId),
            let run = flow.run(sequence, at: now)
        else { return .error(404, "Execution not found", path: request.path) }
        return .encoded(run)
    }

    private func summary(_ request: SimulatorRequest, now: Int64) -> SimulatorResponse {
        let from = request.query["from"].flatMap { Int64($0) } ?? now - 86_400_000
        let to = request.query["to"].flatMap { Int64($0) } ?? now
        let runs = tenant.runs(queuedFrom: from, to: to + 1, now: now)
        var counts: [String: Int] = ["success": 0, "warning": 0, "error": 0, "canceled": 0, "running": 0, "queued": 0]
        var durationSum: Int64 = 0
        var durationMax: Int64 = 0
        var completedWithDuration = 0
        var records: Int64 = 0
        for run in runs {
            counts[run.status, default: 0] += 1
            if let started = run.started, let ended = run.ended {
                durationSum += ended - started
                durationMax = max(durationMax, ended - started)
                completedWithDuration += 1
            }
            records += run.records ?? 0
        }
        let completed = (counts["success"] ?? 0) + (counts["warning"] ?? 0) + (counts["error"] ?? 0) + (counts["canceled"] ?? 0)
        var body: [String: Any] = counts
        body["from"] = from
        body["to"] = to
        body["count"] = runs.count
        body["successRate"] = completed == 0 ? 1.0 : Double(counts["success"] ?? 0) / Double(completed)
        body["avgDuration"] = completedWithDuration == 0 ? 0 : Double(durationSum) / Double(completedWithDuration)
        body["maxDuration"] = durationMax
        body["records"] = records
        return .json(body)
    }

    // MARK: Control

    private func control(_ request: SimulatorRequest) -> SimulatorResponse {
        // `?tenant=N`: the control acts on (or the truth is that of) tenant N.
        defer { current = 0 }
        if let text = request.query["tenant"] {
            guard let id = Int(text), (1...max(1, options.tenants)).contains(id) else {
                return .error(400, "no tenant \(text)", path: request.path)
            }
            current = id - 1
        }
        let body = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
        let segments = request.path.split(separator: "/").map(String.init)
        switch (request.method, segments) {
        case ("POST", ["_sim", "faults"]):
            guard let fault = try? JSONDecoder().decode(Fault.self, from: request.body) else {
                return .error(
                    400, "body must be a fault: {kind, path?, status?, retryAfter?, delaySeconds?, count?}", path: request.path)
            }
            faults.add(fault)
            return .json(["faults": faults.faults.count])
        case ("DELETE", ["_sim", "faults"]):
            faults.clear()
            return .json(["faults": 0])
        case ("POST", ["_sim", "webhooks"]):
            // {url, username?, password?, header?: {name, value}, copies?}; {} stops sending.
            guard let text = body["url"] as? String else {
                sendWebhooks(to: nil)
                return .json(["webhooks": false])
            }
            guard let url = URL(string: text) else { return .error(400, "url must be a URL", path: request.path) }
            var target = WebhookTarget(url: url, user: body["username"] as? String, password: body["password"] as? String)
            if let header = body["header"] as? [String: String], let name = header["name"], let value = header["value"] {
                target.header = (name, value)
            }
            target.copies = body["copies"] as? Int ?? 1
            sendWebhooks(to: target)
            return .json(["webhooks": true])
        case ("POST", ["_sim", "clock"]):
            if let paused = body["paused"] as? Bool { if paused { clock.pause() } else { clock.resume() } }
            if let advance = body["advanceSeconds"] as? Double { clock.advance(milliseconds: Int64(advance * 1000)) }
            return .json(["now": clock.now(), "paused": clock.isPaused])
        case ("GET", ["_sim", "clock"]):
            return .json(["now": clock.now(), "paused": clock.isPaused])
        case ("POST", ["_sim", "admin"]):
            denyAdmin = (body["deny"] as? Bool) ?? denyAdmin
            rejectFutureDates = (body["rejectFutureDates"] as? Bool) ?? rejectFutureDates
            return .json(["deny": denyAdmin, "rejectFutureDates": rejectFutureDates])
        case ("POST", ["_sim", "instance"]):
            instanceDown = (body["down"] as? Bool) ?? instanceDown
            return .json(["down": instanceDown])
        case ("POST", let s) where s.count == 3 && s[1] == "agents":
            guard let index = Int(s[2]) else { return .error(400, "agent index", path: request.path) }
            tenant.agentOverrides[index] = body["online"] as? Bool
            return .json(["ok": true])
        case ("POST", let s) where s.count == 3 && s[1] == "streams":
            guard let flowId = Int64(s[2]), var stream = tenant.streams[flowId] else {
                return .error(404, "no such change-data-capture flow", path: request.path)
            }
            let now = clock.now()
            if let word = body["mode"] as? String {
                guard let mode = SimulatedStream.Mode(rawValue: word) else {
                    return .error(400, "mode must be progressing, stalled or down", path: request.path)
                }
                stream.set(mode, at: now)
            }
            if body["reset"] as? Bool == true { stream.reset(at: now) }
            if let latency = body["latency"] as? Double { stream.latency = latency }
            tenant.streams[flowId] = stream
            return .json(["mode": stream.mode.rawValue, "records": stream.records(at: now)])
        case ("POST", ["_sim", "flows"]):
            let flow = tenant.addFlow(name: body["name"] as? String, now: clock.now())
            return .json(["id": flow.id, "name": flow.name])
        case ("POST", let s) where s.count == 4 && s[1] == "flows" && s[3] == "rename":
            guard let flowId = Int64(s[2]), let name = body["name"] as? String, tenant.rename(flowId: flowId, to: name) else {
                return .error(404, "no such flow, or no name", path: request.path)
            }
            return .json(["id": flowId, "name": name])
        case ("POST", let s) where s.count == 4 && s[1] == "flows" && s[3] == "fail":
            let since = (body["since"] as? NSNumber)?.int64Value
            guard let flowId = Int64(s[2]), tenant.fail(flowId: flowId, since: since) else {
                return .error(404, "no such flow", path: request.path)
            }
            return .json(["id": flowId, "failingSince": since.map { $0 as Any } ?? NSNull()])
        case ("DELETE", let s) where s.count == 3 && s[1] == "flows":
            guard let flowId = Int64(s[2]), tenant.delete(flowId: flowId) else {
                return .error(404, "no such flow", path: request.path)
            }
            return .json(["deleted": flowId])
        case ("POST", ["_sim", "tokens", "revoke"]):
            let revoked = tokens.count
            tokens.removeAll()
            return .json(["revoked": revoked])
        case ("GET", ["_sim", "stats"]):
            return .json(["requests": requestCounts, "total": requestCounts.values.reduce(0, +)])
        case ("POST", ["_sim", "stats", "reset"]):
            requestCounts.removeAll()
            return .json(["total": 0])
        case ("GET", ["_sim", "truth"]):
            return truth()
        case ("GET", ["_sim", "runs"]):
            return runsTruth()
        default:
            return .error(404, "no such control path", path: request.path)
        }
    }

    /// Every run of every live flow as of the simulator's now (for SLA oracles in tests):
    /// status and the queue, start and end times in epoch ms.
    private func runsTruth() -> SimulatorResponse {
        let now = clock.now()
        let flows: [[String: Any]] = tenant.liveFlows.map { flow in
            let runs: [[String: Any]] = tenant.history(flow: flow, since: nil, now: now).map { run in
                var item: [String: Any] = ["status": run.status, "created": run.created]
                if let eventId = run.eventId { item["eventId"] = eventId }
                if let started = run.started { item["started"] = started }
                if let ended = run.ended { item["ended"] = ended }
                return item
            }
            return ["id": flow.id, "name": flow.name, "tags": flow.tags, "runs": runs]
        }
        return .json(["now": now, "flows": flows])
    }

    /// Ground truth for tests: every live flow's completed runs by status, records processed
    /// and open runs, as of the simulator's now. With `stop-transition`, a `canceled` run is
    /// still stopping, not completed.
    private func truth() -> SimulatorResponse {
        let now = clock.now()
        let flows: [[String: Any]] = tenant.liveFlows.map { flow in
            var runs: [String: Int] = [:]
            var records: Int64 = 0
            var running = 0
            var queued = 0
            var stopping = 0
            var retries = 0
            var manual = 0
            for run in tenant.history(flow: flow, since: nil, now: now) {
                if run.isCompleted, run.status != "canceled" || !options.quirks.contains(.stopTransition) {
                    if run.parentAuditId != nil { retries += 1 }
                    if run.user != "scheduler" { manual += 1 }
                }
                switch run.status {
                case "running": running += 1
                case "queued": queued += 1
                case "canceled" where options.quirks.contains(.stopTransition): stopping += 1
                default:
                    runs[run.status, default: 0] += 1
                    records += run.records ?? 0
                }
            }
            return [
                "id": flow.id, "name": flow.name, "tags": flow.tags, "runs": runs, "records": records,
                "running": running, "queued": queued, "stopping": stopping,
                "retryRuns": retries, "manualRuns": manual
            ]
        }
        return .json(["now": now, "flows": flows])
    }
}
