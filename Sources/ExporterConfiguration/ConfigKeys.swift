import ExporterBase
import SeriesQuery
import Store

/// A scalar key's type, default and bounds, in one place: the loader checks a value against
/// them, `ExporterConfig` starts from the default, and the README shows it.
public enum ConfigValue: Sendable {
    /// A duration (`500ms`, `5m`, `7d`), seconds.
    case seconds(Double, ClosedRange<Double>)
    /// A whole number.
    case count(Int, ClosedRange<Int>)
    /// A number above 0, at most the bound.
    case positive(Double, atMost: Double)
    /// A size (`64KiB`, `32MiB`, or bytes).
    case bytes(Int64, ClosedRange<Int64>)
    /// One of a few words.
    case choice(String, [String])
    case flag(Bool)

    /// The default as the README shows it.
    var markdown: String {
        switch self {
        case .seconds(let value, _): return "`\(DurationText.format(value))`"
        case .count(let value, _): return "`\(value)`"
        case .positive(let value, _): return "`\(NumberText.format(value))`"
        case .bytes(let value, _): return "`\(value >> 20)MiB`"
        case .choice(let value, _): return "`\(value)`"
        case .flag(let value): return "`\(value)`"
        }
    }
}

/// One row of the configuration reference: the keys it names, their default and meaning. The
/// loader accepts exactly the scalar keys listed here, and the README's configuration table is
/// this table (a test compares them line by line).
public struct ConfigKey: Sendable {
    /// Dotted names; several when one row documents a pair (`password` / `password_file`).
    public let keys: [String]
    /// The default as the README shows it (Markdown).
    public let defaultValue: String
    /// What it does (Markdown).
    public let meaning: String
    /// Type, default and bounds of a typed scalar key.
    public let value: ConfigValue?

    init(_ keys: [String], default defaultValue: String, _ meaning: String) {
        self.keys = keys
        self.defaultValue = defaultValue
        self.meaning = meaning
        value = nil
    }

    init(_ key: String, _ value: ConfigValue, _ meaning: String) {
        keys = [key]
        defaultValue = value.markdown
        self.meaning = meaning
        self.value = value
    }

    /// The README's row.
    public var markdownRow: String {
        "| " + keys.map { "`\($0)`" }.joined(separator: " / ") + " | \(defaultValue) | \(meaning) |"
    }
}

/// Every configuration key, in the README's order.
public enum ConfigKeys {
    public static let all: [ConfigKey] = [
        ConfigKey(
            ["etlworks.url"], default: "required",
            "instance URL, e.g. `https://app.etlworks.com`; `/rest` is added when missing"),
        ConfigKey(
            ["etlworks.api_key"], default: "—",
            "API key (e.g. `${ETLWORKS_API_KEY}`), sent as `Authorization: Bearer`"),
        ConfigKey(
            ["etlworks.api_key_file"], default: "—",
            "file holding the API key (instead of `api_key`)"),
        ConfigKey(
            ["etlworks.username"], default: "—",
            "login for `POST /v1/token-auth` (instead of an API key)"),
        ConfigKey(
            ["etlworks.password", "etlworks.password_file"], default: "—",
            "its password, or a file holding it"),
        ConfigKey(
            "etlworks.timeout", .seconds(10, 0.1...600),
            "per-request timeout"),
        ConfigKey(
            "etlworks.max_requests_per_second", .positive(5, atMost: 1000),
            "ceiling on requests to the API, across all resources"),
        ConfigKey(
            ["etlworks.timezone"], default: "unset",
            "the tenant's time zone (IANA name): `/v1/metrics/executions?date=` takes days in it. Unset, every date current somewhere from UTC−10 to UTC+13 is polled (one or two requests); set it to poll exactly one"
        ),
        ConfigKey(
            "etlworks.max_history_per_flow", .count(5000, 1...1_000_000),
            "most runs read per flow and poll in the history fallback"),
        ConfigKey(
            "etlworks.max_retry_after", .seconds(3600, 1...86400),
            "the longest wait a `Retry-After` (seconds or a date) may impose; longer ones are cut to it"),
        ConfigKey(
            ["etlworks.scheduler_timezone"], default: "`etlworks.timezone`, else UTC",
            "the zone the instance's scheduler fires cron schedules in (IANA name), for `missed_schedule`"
        ),
        ConfigKey(
            "etlworks.schedule_interval_unit", .choice("minutes", ["minutes", "seconds"]),
            "the unit of a schedule given as a number in `/v1/schedules` (`minutes`, as the API page says, or `seconds`, as the UI page says), for `missed_schedule`; the log says which is used"
        ),
        ConfigKey(
            "etlworks.stop_grace", .seconds(300, 0...86400),
            "a stopped run shows `canceled` first and its final status (`error`, or `success` for a streaming flow) minutes later: a `canceled` run counts as final once it has ended and kept its status this long; until then it is stopping (`etlworks_flow_stopping_runs`)"
        ),
        ConfigKey(
            "etlworks.large_response_timeout", .seconds(120, 1...3600),
            "timeout of the answers that may be large: a day's executions (`/v1/metrics/executions`, not paged) and the flow list"
        ),
        ConfigKey(
            "etlworks.max_response_bytes", .bytes(32 << 20, (64 << 10)...(16 << 30)),
            "the largest answer read (`KiB`, `MiB`, `GiB`, or bytes); a larger one is cut off as it arrives and fails its poll with an error naming the endpoint. A day's executions take 200–500 bytes a run (the simulator's: 214), so 32 MiB holds some 60,000 runs: raise it (and the pod's memory limit, by about 4 times as much) for busier tenants"
        ),
        ConfigKey(
            ["etlworks.tenants"], default: "none",
            "`discover` (every tenant `GET /v1/tenants` lists, listed again every 10 minutes) or a list `[{id, name}]`: one exporter for many tenants of a dedicated or on-premise instance, with Super Admin credentials (see [Many tenants](#many-tenants)). Every per-tenant series gains `tenant_id`"
        ),
        ConfigKey(
            ["etlworks.streaming_flows"], default: "none",
            "flows to treat as change-data-capture streams (`kind=\"streaming\"`) (never stale, never stuck: they run until stopped): a selector `{ids, names (globs), tags}` as in SLA targets"
        ),
        ConfigKey(
            "etlworks.stream_probe_after", .seconds(600, 0...30 * 86400),
            "a run of a flow not known to stream that has run this long has its running tasks asked once whether it is a change-data-capture stream (one that is becomes `kind=\"streaming\"`)"
        ),
        ConfigKey(
            "etlworks.stream_latency_unit", .choice("ms", ["ms", "s"]),
            "the unit the running-tasks API gives a stream's `latency` in (not documented): `ms` or `s`"),
        ConfigKey(
            "etlworks.max_stream_probes", .count(50, 0...10000),
            "running-tasks requests per streams poll, at most (streams first, then runs asked once); `0` turns stream polling off"
        ),
        ConfigKey(
            "poll.executions", .seconds(30, 1...7 * 86400),
            "how often runs are read"),
        ConfigKey(
            "poll.flows", .seconds(300, 1...7 * 86400),
            "flow list (names, tags, deletions)"),
        ConfigKey(
            "poll.summary", .seconds(60, 1...7 * 86400),
            "tenant executions summary (trailing 24 h)"),
        ConfigKey(
            "poll.agents", .seconds(60, 1...7 * 86400),
            "on-premise agents"),
        ConfigKey(
            "poll.billing", .seconds(3600, 1...7 * 86400),
            "subscription and allowance usage"),
        ConfigKey(
            "poll.health", .seconds(30, 1...7 * 86400),
            "`/v1/system/health` and `/v1/system/info`"),
        ConfigKey(
            "poll.schedules", .seconds(300, 1...7 * 86400),
            "flow schedules (`/v1/schedules`): which flows are scheduled (`kind`), their cadence and expected run time"),
        ConfigKey(
            "poll.instance_health", .seconds(60, 1...7 * 86400),
            "node health from `GET /health?allNodes=true` at the instance root (components, running flows, disks, heap, load); where it answers 404 or 401 (cloud tenants) it is checked again every 6 h"
        ),
        ConfigKey(
            "poll.streams", .seconds(30, 1...7 * 86400),
            "the running tasks of streaming flows' running runs (`/etl/rest/v1/tasks/{auditId}/?type=stream`): the stream metrics"
        ),
        ConfigKey(
            "poll.backfill", .seconds(7 * 86400, 0...92 * 86400),
            "how far back runs are read on first start and after an outage (at most `92d`)"),
        ConfigKey(
            ["storage.path"], default: "`./etlworks-exporter.db`",
            "the SQLite database; its directory must exist"),
        ConfigKey(
            ["storage.retention"], default: "`{raw: 7d, 5m: 90d, 1h: 400d, 1d: 5y, runs: 400d, episodes: 400d}`",
            "how long each history tier keeps its rows (each at least `1h`; `y` is 365 days), completed runs (at least `93d`, longer than any backfill; counters do not need them) and ended SLA breach episodes with the observed time compliance is counted over (at least `1d`; `etlworks_sla_breaches_total` still counts them). Give any subset; the rest keep their defaults"
        ),
        ConfigKey(
            "query.max_points", .count(SeriesQueryLimits().maxPoints, 1...10_000_000),
            "most windows per series one `/api/v1/series` answer may hold"),
        ConfigKey(
            "query.max_samples", .count(SeriesQueryLimits().maxSamples, 1...100_000_000),
            "most points (series × windows) one `/api/v1/series` answer may hold, checked before anything is read"),
        ConfigKey(
            "query.max_series", .count(SeriesQueryLimits().maxSeries, 1...1_000_000),
            "most series one `/api/v1/series` answer may hold"),
        ConfigKey(
            ["web.listen_address"], default: "`127.0.0.1:9720`",
            "`HOST:PORT`, `[v6]:PORT`, or `:PORT` for all interfaces"),
        ConfigKey(
            ["web.config_file"], default: "—",
            "a web configuration in the [exporter-toolkit format](https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md): `basic_auth_users` (name: bcrypt hash) and `tls_server_config` (`cert_file`, `key_file`); see [Securing the endpoints](#securing-the-endpoints)"
        ),
        ConfigKey(
            "web.health_requires_auth", .flag(true),
            "whether `/health` asks for the password too (`/-/healthy` and `/-/ready` never do)"),
        ConfigKey(
            "web.max_connections", .count(512, 1...1_000_000),
            "connections open at once; one more is closed as soon as it is accepted, while established ones (a scraper's kept-alive connection) go on being served"
        ),
        ConfigKey(
            "log.level", .choice("info", ["trace", "debug", "info", "warning", "error"]),
            "`trace`, `debug`, `info`, `warning`, `error`"),
        ConfigKey(
            "log.format", .choice("logfmt", ["logfmt", "json"]),
            "`logfmt` or `json`"),
        ConfigKey(
            ["sla"], default: "none",
            "a list of SLA rules, or `{rules: [...], lookback: 30d}`; see [SLA rules](#sla-rules)"),
        ConfigKey(
            "sla.lookback", .seconds(30 * 86400, 3600...92 * 86400),
            "how far back `max_since_success` reads a flow's own history (`/v1/executions/{flowId}/history`, once per flow) when no stored run of it succeeded"
        ),
        ConfigKey(
            ["maintenance"], default: "none",
            "windows in which no SLA breach starts for the flows they cover: `{name, flows?, start, end}` (RFC 3339) or `{name, flows?, cron, duration, timezone?}`; see [Maintenance windows](docs/sla.md#maintenance-windows)"
        ),
        ConfigKey(
            ["notifications.alertmanager.url"], default: "—",
            "Alertmanager to push breaches to (API v2)"),
        ConfigKey(
            ["notifications.alertmanager.resend_interval"], default: "`1m`",
            "how often active breaches are sent again"),
        ConfigKey(
            ["notifications.alertmanager.labels"], default: "none",
            "labels added to every pushed alert, e.g. `{job: etlworks, instance: host:9720}` (the rule's and the target's own win)"
        ),
        ConfigKey(
            ["notifications.webhooks"], default: "none",
            "list of `{url, secret?, timeout?, max_attempts?}`: one signed JSON POST per breach and resolution"),
        ConfigKey(
            ["notifications.queue_capacity"], default: "`1000`",
            "events waiting per webhook; the oldest is dropped beyond it"),
        ConfigKey(
            ["push.username"], default: "—",
            "turns on `POST /api/v1/webhooks/etlworks` for Etlworks webhooks (see [Pushed runs](#pushed-runs)): the user name they send (the webhook's `basicUser`), checked with HTTP Basic, never the scrape credentials"
        ),
        ConfigKey(
            ["push.password", "push.password_file"], default: "—",
            "its password (`basicPass`), or a file holding it"),
        ConfigKey(
            ["push.header"], default: "—",
            "instead of Basic: `{name, value}` or `{name, value_file}`, a header every webhook call must carry (one of the webhook's `headers`)"
        ),
        ConfigKey(
            "push.queue_capacity", .count(1000, 1...100_000),
            "pushed runs waiting to be looked up; beyond it a webhook call gets 503 (counted in `etlworks_push_events_rejected_total{reason=\"queue_full\"}`)"
        ),
        ConfigKey(
            ["health.sla_critical", "health.sla_warning", "health.sla_info"], default: "`fail` / `warn` / `ok`",
            "what a breaching rule of that severity makes `/health`"),
        ConfigKey(
            ["metrics.disable"], default: "none",
            "metric families not to export, e.g. `[etlworks_flow_run_duration_seconds, etlworks_flow_last_run_status]` (with or without `_total`); an unknown name is an error listing the known ones. History and SLA rules still see them"
        ),
        ConfigKey(
            ["metrics.flows.include", "metrics.flows.exclude"], default: "every flow / none",
            "which flows get per-flow series: selectors `{ids, names (globs), tags}` as in SLA targets; a flow must be included and not excluded. Other flows still count in tenant totals, are still stored and reported, and SLA rules may target them"
        ),
        ConfigKey(
            ["metrics.duration_buckets"],
            default: "`[" + DurationBuckets.standard.upperBoundsSeconds.map { String(Int($0)) }.joined(separator: ", ") + "]`",
            "upper bounds in seconds of `etlworks_flow_run_duration_seconds` (ascending, 1 to 50); a change recounts the histogram from the runs still stored (a counter reset for Prometheus)"
        ),
        ConfigKey(
            ["metrics.native_histogram_schema"], default: "`3`",
            "the resolution of the native run-duration histograms served to a scraper that asks for protocol buffers (Prometheus with `--enable-feature=native-histograms`): −4 to 8, bucket bounds a factor 2^(2^−schema) apart (3: 1.09); a change recounts them from the stored runs"
        ),
        ConfigKey(
            ["metrics.native_histogram_bucket_factor"], default: "—",
            "the same as a largest factor between bucket bounds, as client_golang names it (`1.1` is schema 3); give one or the other"
        ),
        ConfigKey(
            ["metrics.classic_histograms"], default: "`true`",
            "`false`: the protocol-buffer format carries native histograms alone, without their classic buckets (the text formats always have them)"
        ),
        ConfigKey(
            ["metrics.status_series"], default: "`all`",
            "`current`: `etlworks_flow_last_run_status` has one series per flow, the latest run's status, valued 1 (select it with `etlworks_flow_last_run_status{status=\"error\"}` rather than `== 1`), instead of one per status"
        ),
        ConfigKey(
            ["metrics.flow_name_label"], default: "`false`",
            "`false`: per-flow series (and SLA series of flows) carry `flow_id` only and the name lives on `etlworks_flow_info` (join with `* on (instance, job, flow_id) group_left (flow_name) etlworks_flow_info`), so a rename keeps every series; `true`: every per-flow series carries `flow_name` too (the default up to 0.1.0; see [Upgrading](docs/operations.md#upgrading))"
        ),
        ConfigKey(
            ["metrics.max_flows"], default: "`20000`",
            "the most flows exported with per-flow series, over all tenants (1 to 1,000,000): past it the rest are left out, said once in the log and counted by `etlworks_exporter_flows_over_limit`, so one tenant's flood of flows cannot make a scrape too large for Prometheus"
        )
    ]

    /// Sections whose own reader takes their keys (lists and nested mappings with rules of
    /// their own): `sla:`, `notifications:`, `health:`, `metrics:`.
    static let featureSections: Set<String> = ["sla", "maintenance", "notifications", "health", "metrics"]

    /// The scalar sections and the keys each accepts, as the loader reads them.
    static let sections: [String: Set<String>] = {
        var sections: [String: Set<String>] = [:]
        for key in all.flatMap(\.keys) {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, !featureSections.contains(parts[0]) else { continue }
            sections[parts[0], default: []].insert(parts[1])
        }
        return sections
    }()

    /// The typed row of `key`; a key missing here is a programming error the tests catch.
    static func value(_ key: String) -> ConfigValue {
        guard let value = all.first(where: { $0.keys == [key] })?.value else { preconditionFailure("no typed key \(key)") }
        return value
    }

    /// The default of a duration key, seconds.
    static func seconds(_ key: String) -> Double {
        guard case .seconds(let value, _) = value(key) else { preconditionFailure("\(key) is not a duration") }
        return value
    }

    /// The default of a whole-number key.
    static func count(_ key: String) -> Int {
        guard case .count(let value, _) = value(key) else { preconditionFailure("\(key) is not a count") }
        return value
    }

    /// The default of a number key.
    static func positive(_ key: String) -> Double {
        guard case .positive(let value, _) = value(key) else { preconditionFailure("\(key) is not a number") }
        return value
    }

    /// The default of a size key, bytes.
    static func bytes(_ key: String) -> Int64 {
        guard case .bytes(let value, _) = value(key) else { preconditionFailure("\(key) is not a size") }
        return value
    }

    /// The default of a choice key.
    static func choice(_ key: String) -> String {
        guard case .choice(let value, _) = value(key) else { preconditionFailure("\(key) is not a choice") }
        return value
    }

    /// The default of a flag key.
    static func flag(_ key: String) -> Bool {
        guard case .flag(let value) = value(key) else { preconditionFailure("\(key) is not a flag") }
        return value
    }

    /// The README's table, header included.
    public static var markdownTable: String {
        (["| key | default | meaning |", "|---|---|---|"] + all.map(\.markdownRow)).joined(separator: "\n")
    }
}
