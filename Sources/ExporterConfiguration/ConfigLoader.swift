import Alerting
import EtlworksAPI
import ExporterBase
import Foundation
import SLA
import SeriesQuery
import Store
import Vocabulary
import Yams

/// Reads the YAML configuration: expands `${VAR}` from the environment inside values,
/// rejects unknown keys, and validates every value, reporting all problems with key and line.
public struct ConfigLoader: Sendable {
    /// Variables for `${VAR}`.
    public var environment: [String: String]
    /// Reads `api_key_file` and `password_file`.
    public var readFile: @Sendable (String) throws -> String
    /// Every name `metrics.disable` accepts, mapped to its family's descriptor name. The
    /// families are defined above this target (next to their collectors), so the caller says.
    public var metricFamilies: [String: String]

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        readFile: @escaping @Sendable (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) },
        metricFamilies: [String: String] = [:]
    ) {
        self.environment = environment
        self.readFile = readFile
        self.metricFamilies = metricFamilies
    }

    /// Loads the file at `path`.
    public func load(path: String) -> Result<ExporterConfig, ConfigErrors> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .failure(ConfigErrors([ConfigIssue(key: "(file)", line: nil, message: "cannot read \(path)")]))
        }
        return load(yaml: text)
    }

    private static let sections = ConfigKeys.sections

    /// Keys whose value is a mapping of scalars, read as `section.key.name`.
    private static let nested: [String: Set<String>] = [
        "storage.retention": Set(RollupTier.allCases.map(\.rawValue) + ["runs", "episodes"]),
        "push.header": ["name", "value", "value_file"]
    ]

    /// A scalar value after `${VAR}` expansion, with its line.
    private struct Value {
        var text: String
        var line: Int?
    }

    /// Loads configuration text. Every message is scrubbed of the secrets the text holds
    /// (read line by line, so even from a file that does not parse) before anyone sees it.
    public func load(yaml: String) -> Result<ExporterConfig, ConfigErrors> {
        let redactor = Redactor(
            secrets: YAMLSyntax.secrets(in: yaml) { value in
                if case .value(let expanded) = expand(value) { expanded } else { nil }
            })
        return loadUnscrubbed(yaml: yaml).mapError { errors in
            ConfigErrors(
                errors.issues.map { issue in
                    ConfigIssue(key: redactor.scrub(issue.key), line: issue.line, message: redactor.scrub(issue.message))
                })
        }
    }

    private func loadUnscrubbed(yaml: String) -> Result<ExporterConfig, ConfigErrors> {
        var issues: [ConfigIssue] = []
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return .failure(ConfigErrors([YAMLSyntax.issue(error, in: yaml)]))
        }
        var values: [String: Value] = [:]
        var featureReader = ConfigNodeReader(expand: expand)
        var rules: [SLARule] = []
        var maintenance: [MaintenanceWindow] = []
        var notifications = NotificationConfig()
        var slaHealth = SLAHealthPolicy()
        var metrics = MetricsSettings()
        var streamingFlows: FlowSelector?
        var tenants: TenantSelection?
        func read(_ node: Node, key: String, keyLine: Int?) {
            guard case .scalar(let scalar) = node else {
                issues.append(ConfigIssue(key: key, line: node.mark?.line, message: "must be a single value"))
                return
            }
            switch expand(scalar.string) {
            case .value(let text): values[key] = Value(text: text, line: node.mark?.line ?? keyLine)
            case .problem(let message): issues.append(ConfigIssue(key: key, line: node.mark?.line, message: message))
            }
        }
        if let root {
            guard let mapping = root.mapping else {
                return .failure(
                    ConfigErrors([ConfigIssue(key: "(root)", line: root.mark?.line, message: "must be a mapping of sections")]))
            }
            for (keyNode, sectionNode) in mapping {
                let section = keyNode.string ?? ""
                switch section {
                case "sla":
                    // A list of rules, or `{rules: [...], lookback: 30d}`.
                    guard let fields = sectionNode.mapping else {
                        rules = featureReader.slaRules(sectionNode)
                        continue
                    }
                    for (fieldNode, value) in fields {
                        switch fieldNode.string ?? "" {
                        case "rules": rules = featureReader.slaRules(value)
                        case "lookback": read(value, key: "sla.lookback", keyLine: fieldNode.mark?.line)
                        default:
                            issues.append(
                                ConfigIssue(
                                    key: "sla.\(fieldNode.string ?? "")", line: fieldNode.mark?.line,
                                    message: "unknown key (expected rules, lookback)"))
                        }
                    }
                    continue
                case "maintenance": maintenance = featureReader.maintenanceWindows(sectionNode); continue
                case "notifications": notifications = featureReader.notifications(sectionNode); continue
                case "health": slaHealth = featureReader.slaHealthPolicy(sectionNode); continue
                case "metrics": metrics = featureReader.metricsSettings(sectionNode, families: metricFamilies); continue
                default: break
                }
                guard let allowed = Self.sections[section] else {
                    issues.append(
                        ConfigIssue(
                            key: section, line: keyNode.mark?.line,
                            message:
                                "unknown section (expected one of \((Array(Self.sections.keys) + ConfigKeys.featureSections).sorted().joined(separator: ", ")))"
                        ))
                    continue
                }
                if case .scalar(let scalar) = sectionNode,
                    scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null"
                {
                    continue
                }
                guard let entries = sectionNode.mapping else {
                    issues.append(ConfigIssue(key: section, line: sectionNode.mark?.line, message: "must be a mapping"))
                    continue
                }
                for (entryKey, entryValue) in entries {
                    let name = entryKey.string ?? ""
                    let key = "\(section).\(name)"
                    if key == "etlworks.streaming_flows" {
                        streamingFlows = featureReader.flowSelector(entryValue, key: key)
                        continue
                    }
                    if key == "etlworks.tenants" {
                        tenants = featureReader.tenantSelection(entryValue)
                        continue
                    }
                    guard allowed.contains(name) else {
                        issues.append(
                            ConfigIssue(
                                key: key, line: entryKey.mark?.line,
                                message: "unknown key (expected one of \(allowed.sorted().joined(separator: ", ")))"))
                        continue
                    }
                    if let allowedNested = Self.nested[key] {
                        guard let nestedEntries = entryValue.mapping else {
                            issues.append(
                                ConfigIssue(
                                    key: key, line: entryValue.mark?.line,
                                    message: "must be a mapping of \(allowedNested.sorted().joined(separator: ", "))"))
                            continue
                        }
                        for (nestedKey, nestedValue) in nestedEntries {
                            let nestedName = "\(key).\(nestedKey.string ?? "")"
                            guard allowedNested.contains(nestedKey.string ?? "") else {
                                issues.append(
                                    ConfigIssue(
                                        key: nestedName, line: nestedKey.mark?.line,
                                        message: "unknown key (expected one of \(allowedNested.sorted().joined(separator: ", ")))"
                                    ))
                                continue
                            }
                            read(nestedValue, key: nestedName, keyLine: nestedKey.mark?.line)
                        }
                        continue
                    }
                    read(entryValue, key: key, keyLine: entryKey.mark?.line)
                }
            }
        }
        var config = build(values, issues: &issues)
        featureReader.checkWindows(pollInterval: config?.poll.executions ?? ExporterConfig.Poll().executions)
        issues += featureReader.issues
        config?.sla = rules
        config?.maintenance = maintenance
        config?.notifications = notifications
        config?.slaHealth = slaHealth
        config?.metrics = metrics
        config?.api.streamingFlows = streamingFlows
        config?.api.tenants = tenants
        issues += Self.tenantIssues(rules, tenants: tenants)
        if let config, issues.isEmpty { return .success(config) }
        return .failure(ConfigErrors(issues))
    }

    /// A rule's `tenants:` needs tenants to choose from, and with a list of them, must choose one:
    /// a pattern matching no listed tenant is a typo that would silently judge nothing.
    static func tenantIssues(_ rules: [SLARule], tenants: TenantSelection?) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        for (index, rule) in rules.enumerated() where !rule.tenants.isEmpty {
            let key = "sla[\(index)] \(rule.name).tenants"
            switch tenants {
            case nil:
                issues.append(
                    ConfigIssue(key: key, line: nil, message: "needs etlworks.tenants (this exporter watches one tenant)"))
            case .listed(let listed)?:
                if !listed.contains(where: rule.covers) {
                    let given = rule.tenants.map { "'\($0)'" }.joined(separator: ", ")
                    issues.append(
                        ConfigIssue(key: key, line: nil, message: "\(given) matches none of the tenants in etlworks.tenants"))
                }
            case .discover?:
                break
            }
        }
        return issues
    }

    /// Replaces `${VAR}` with the environment's value; `$$` is a literal `$`.
    func expand(_ text: String) -> Expansion {
        guard text.contains("$") else { return .value(text) }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "$", next < text.endIndex, text[next] == "$" {
                result.append("$")
                index = text.index(after: next)
            } else if character == "$", next < text.endIndex, text[next] == "{" {
                guard let close = text[next...].firstIndex(of: "}") else { return .problem("unterminated ${ in value") }
                let name = String(text[text.index(after: next)..<close])
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    return .problem("invalid variable name in ${\(name)}")
                }
                guard let value = environment[name] else { return .problem("environment variable \(name) is not set") }
                result += value
                index = text.index(after: close)
            } else {
                result.append(character)
                index = next
            }
        }
        return .value(result)
    }

    /// The outcome of expanding one value.
    typealias Expansion = ConfigNodeReader.Expansion

    // MARK: Validation

    private func build(_ values: [String: Value], issues: inout [ConfigIssue]) -> ExporterConfig? {
        func issue(_ key: String, _ message: String) {
            issues.append(ConfigIssue(key: key, line: values[key]?.line, message: message))
        }
        func duration(_ key: String, minimum: Double, maximum: Double = .infinity) -> Double? {
            guard let value = values[key] else { return nil }
            guard let seconds = DurationText.seconds(value.text) else {
                issue(key, "'\(value.text)' is not a duration (use e.g. 500ms, 2s, 5m, 1h, 7d)")
                return nil
            }
            guard seconds >= minimum, seconds <= maximum else {
                let range =
                    maximum.isFinite
                    ? "between \(DurationText.format(minimum)) and \(DurationText.format(maximum))"
                    : "at least \(DurationText.format(minimum))"
                issue(key, "\(value.text) is out of range: must be \(range)")
                return nil
            }
            return seconds
        }
        // Typed keys: bounds and messages from the key's row of `ConfigKeys`.
        func seconds(_ key: String) -> Double? {
            guard case .seconds(_, let range) = ConfigKeys.value(key) else { return nil }
            return duration(key, minimum: range.lowerBound, maximum: range.upperBound)
        }
        func whole(_ key: String) -> Int? {
            guard let text = values[key]?.text, case .count(_, let range) = ConfigKeys.value(key) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                issue(key, "'\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return number
        }
        func choice(_ key: String) -> String? {
            guard let text = values[key]?.text, case .choice(_, let words) = ConfigKeys.value(key) else { return nil }
            guard words.contains(text) else {
                let list = words.count == 2 ? words.joined(separator: " or ") : "one of " + words.joined(separator: ", ")
                issue(key, "'\(text)' must be \(list)")
                return nil
            }
            return text
        }
        func flag(_ key: String) -> Bool? {
            guard let text = values[key]?.text else { return nil }
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default:
                issue(key, "'\(text)' must be true or false")
                return nil
            }
        }
        func secret(_ key: String, fileKey: String) -> String? {
            if values[key] != nil, values[fileKey] != nil { issue(fileKey, "give \(key) or \(fileKey), not both") }
            if let value = values[key] {
                let text = value.text.trimmingCharacters(in: .whitespacesAndNewlines)
                if text.isEmpty { issue(key, "is empty") }
                return text.isEmpty ? nil : text
            }
            if let path = values[fileKey] {
                guard let contents = try? readFile(path.text) else {
                    issue(fileKey, "cannot read file \(path.text)")
                    return nil
                }
                let text = contents.trimmingCharacters(in: .whitespacesAndNewlines)
                if text.isEmpty { issue(fileKey, "file \(path.text) is empty") }
                return text.isEmpty ? nil : text
            }
            return nil
        }

        var url: URL?
        if let text = values["etlworks.url"]?.text {
            if let parsed = URL(string: text), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
                parsed.host?.isEmpty == false
            {
                url = parsed
            } else {
                issue("etlworks.url", "'\(text)' is not an http(s) URL")
            }
        } else {
            issues.append(ConfigIssue(key: "etlworks.url", line: nil, message: "is required"))
        }

        let apiKey = secret("etlworks.api_key", fileKey: "etlworks.api_key_file")
        let password = secret("etlworks.password", fileKey: "etlworks.password_file")
        let username = values["etlworks.username"]?.text
        var credentials: Credentials?
        if let apiKey {
            if username != nil || password != nil { issue("etlworks.username", "give api_key or username + password, not both") }
            credentials = .apiKey(apiKey)
        } else if let username, !username.isEmpty {
            if let password {
                credentials = .login(user: username, password: password)
            } else if values["etlworks.password"] == nil && values["etlworks.password_file"] == nil {
                issue("etlworks.password", "is required with etlworks.username")
            }
        } else if values["etlworks.api_key"] == nil && values["etlworks.api_key_file"] == nil {
            if password != nil {
                issue("etlworks.username", "is required with etlworks.password")
            } else {
                issues.append(
                    ConfigIssue(
                        key: "etlworks.api_key", line: nil,
                        message: "credentials are required: api_key, api_key_file, or username with password or password_file"))
            }
        }

        var api = url.flatMap { url in credentials.map { ExporterConfig.API(url: url, credentials: $0) } }
        if let timeout = seconds("etlworks.timeout") { api?.timeout = timeout }
        if let wait = seconds("etlworks.max_retry_after") { api?.maxRetryAfter = wait }
        if let grace = seconds("etlworks.stop_grace") { api?.stopGrace = grace }
        if let after = seconds("etlworks.stream_probe_after") { api?.streamProbeAfter = after }
        if let unit = choice("etlworks.stream_latency_unit") { api?.streamLatencyUnit = unit }
        if let count = whole("etlworks.max_stream_probes") { api?.maxStreamProbes = count }
        if let text = choice("etlworks.schedule_interval_unit"), let unit = ScheduleIntervalUnit(rawValue: text) {
            api?.scheduleIntervalUnit = unit
        }
        if let timeout = seconds("etlworks.large_response_timeout") { api?.largeResponseTimeout = timeout }
        if let text = values["etlworks.max_response_bytes"]?.text,
            case .bytes(_, let range) = ConfigKeys.value("etlworks.max_response_bytes")
        {
            if let bytes = ByteSize.bytes(text), range.contains(bytes) {
                api?.maxResponseBytes = bytes
            } else {
                issue(
                    "etlworks.max_response_bytes",
                    "'\(text)' must be a size from \(range.lowerBound >> 10)KiB to \(range.upperBound >> 30)GiB, such as 256MiB")
            }
        }
        if let text = values["etlworks.max_requests_per_second"]?.text,
            case .positive(_, let maximum) = ConfigKeys.value("etlworks.max_requests_per_second")
        {
            if let rate = Double(text), rate > 0, rate <= maximum {
                api?.maxRequestsPerSecond = rate
            } else {
                issue(
                    "etlworks.max_requests_per_second",
                    "'\(text)' must be a number above 0 and at most \(NumberText.format(maximum))")
            }
        }
        func timeZone(_ key: String) -> TimeZone? {
            guard let text = values[key]?.text else { return nil }
            guard let zone = TimeZone(identifier: text) else {
                issue(key, "'\(text)' is not a known time zone (use an IANA name such as Europe/Berlin)")
                return nil
            }
            return zone
        }
        if let zone = timeZone("etlworks.timezone") { api?.timeZone = zone }
        if let zone = timeZone("etlworks.scheduler_timezone") { api?.schedulerTimeZone = zone }
        if let count = whole("etlworks.max_history_per_flow") { api?.maxHistoryPerFlow = count }

        var poll = ExporterConfig.Poll()
        for resource in Resource.allCases where resource != .lookback {
            let key = "poll.\(resource.rawValue)"
            if let seconds = seconds(key) {
                switch resource {
                case .executions: poll.executions = seconds
                case .flows: poll.flows = seconds
                case .summary: poll.summary = seconds
                case .agents: poll.agents = seconds
                case .billing: poll.billing = seconds
                case .health: poll.health = seconds
                case .schedules: poll.schedules = seconds
                case .instanceHealth: poll.instanceHealth = seconds
                case .streams: poll.streams = seconds
                case .lookback: break
                }
            }
        }
        if let backfill = seconds("poll.backfill") { poll.backfill = backfill }
        let slaLookback = seconds("sla.lookback")

        var storage = ExporterConfig.Storage()
        if let path = values["storage.path"]?.text {
            if path.trimmingCharacters(in: .whitespaces).isEmpty {
                issue("storage.path", "is empty")
            } else {
                storage.path = path
            }
        }
        for tier in RollupTier.allCases {
            if let seconds = duration("storage.retention.\(tier.rawValue)", minimum: 3600, maximum: 100 * 365 * 86400) {
                storage.retention.seconds[tier] = Int64(seconds)
            }
        }
        // Runs must outlive the longest backfill: a run the API lists again must still be known.
        if let seconds = duration(
            "storage.retention.runs", minimum: Double(RetentionPolicy.minimumRuns), maximum: 100 * 365 * 86400)
        {
            storage.retention.runs = Int64(seconds)
        }
        if let seconds = duration("storage.retention.episodes", minimum: 86400, maximum: 100 * 365 * 86400) {
            storage.retention.episodes = Int64(seconds)
        }
        var query = SeriesQueryLimits()
        if let points = whole("query.max_points") { query.maxPoints = points }
        if let series = whole("query.max_series") { query.maxSeries = series }
        if let samples = whole("query.max_samples") { query.maxSamples = samples }
        var web = ExporterConfig.Web()
        if let address = values["web.listen_address"] {
            if ListenAddress(address.text) == nil {
                issue("web.listen_address", "'\(address.text)' must be HOST:PORT, e.g. 127.0.0.1:9720 or [::]:9720")
            } else {
                web.listenAddress = address.text
            }
        }
        // The file itself is checked where the server is built (`WebConfigCheck` in the app).
        if let file = values["web.config_file"]?.text { web.configFile = file }
        if let connections = whole("web.max_connections") { web.maxConnections = connections }
        if let required = flag("web.health_requires_auth") { web.healthRequiresAuth = required }
        var log = ExporterConfig.Log()
        if let level = choice("log.level") { log.level = level }
        if let format = choice("log.format") { log.format = format }

        let push = pushSettings(values: values, secret: secret, whole: whole, issue: issue)

        guard var config = api.map({ ExporterConfig(api: $0) }) else { return nil }
        config.push = push
        config.poll = poll
        if let slaLookback { config.slaLookback = slaLookback }
        config.storage = storage
        config.query = query
        config.web = web
        config.log = log
        return config
    }

    /// `push:` — HTTP Basic (`username` with `password` or `password_file`) or one header
    /// (`header: {name, value | value_file}`), never both; nil when the section is absent.
    private func pushSettings(
        values: [String: Value], secret: (String, String) -> String?, whole: (String) -> Int?,
        issue: (String, String) -> Void
    ) -> PushSettings? {
        guard values.keys.contains(where: { $0.hasPrefix("push.") }) else { return nil }
        let username = values["push.username"]?.text
        let password = secret("push.password", "push.password_file")
        let headerName = values["push.header.name"]?.text
        let headerValue = secret("push.header.value", "push.header.value_file")
        var credential: PushSettings.Credential?
        if let username {
            let valid = !username.isEmpty && !username.contains(":")
            if !valid { issue("push.username", "must be a name without ':'") }
            if password == nil { issue("push.password", "is required with push.username") }
            if let password, valid { credential = .basic(user: username, password: password) }
        } else if password != nil {
            issue("push.username", "is required with push.password")
        }
        if headerName != nil || headerValue != nil {
            if credential != nil || username != nil { issue("push.header", "give username + password or header, not both") }
            guard let headerName, PushSettings.isHeaderName(headerName) else {
                issue("push.header.name", "must be a header name such as X-Webhook-Token")
                return nil
            }
            guard let headerValue else {
                issue("push.header.value", "is required with push.header.name")
                return nil
            }
            credential = .header(name: headerName, value: headerValue)
        }
        guard let credential else {
            if username == nil && password == nil {
                issue("push", "needs username + password or header: the webhook's own credentials")
            }
            return nil
        }
        var settings = PushSettings(credential: credential)
        if let capacity = whole("push.queue_capacity") { settings.queueCapacity = capacity }
        return settings
    }
}
