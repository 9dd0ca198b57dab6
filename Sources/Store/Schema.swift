/// The database schema, versioned by `PRAGMA user_version`. Each migration takes the schema
/// from its index to the next; a database newer than `Schema.version` is refused.
package enum Schema {
    static var version: Int64 { Int64(migrations.count) }

    /// The index on when SLA episodes ended (retention, history by time). A large replay drops
    /// it while it writes and builds it again at the end; every open builds it if it is missing.
    package static let episodesByEnd =
        "CREATE INDEX IF NOT EXISTS sla_episodes_by_end ON sla_episodes(coalesce(end_ms, 9223372036854775807))"

    static let migrations: [String] = [
        // 1: flows, runs, and per-flow aggregates maintained at ingestion.
        """
        CREATE TABLE flows (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            flow_type TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            listed INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            generation INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE runs (
            audit_id INTEGER PRIMARY KEY,
            flow_id INTEGER NOT NULL,
            status TEXT NOT NULL,
            state INTEGER NOT NULL,          -- 0 open, 1 completed (counted), 2 abandoned
            parent_audit_id INTEGER,
            created_ms INTEGER,
            started_ms INTEGER,
            ended_ms INTEGER,
            records INTEGER,
            first_seen_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL
        );
        CREATE INDEX runs_open ON runs(flow_id) WHERE state = 0;
        CREATE INDEX runs_by_flow_time ON runs(flow_id, coalesce(started_ms, created_ms));
        CREATE TABLE flow_totals (
            flow_id INTEGER NOT NULL,
            status TEXT NOT NULL,
            runs INTEGER NOT NULL,
            records INTEGER NOT NULL,
            PRIMARY KEY (flow_id, status)
        ) WITHOUT ROWID;
        CREATE TABLE flow_duration_buckets (
            flow_id INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            runs INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            PRIMARY KEY (flow_id, bucket)
        ) WITHOUT ROWID;
        CREATE TABLE flow_last (
            flow_id INTEGER PRIMARY KEY,
            end_ms INTEGER,
            duration_ms INTEGER,
            status TEXT,
            success_end_ms INTEGER
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        """,
        // 2: time series, stored as changes. A series is stored once; a sample row is written
        // only when its value changes (a NULL value: the series ended), and `polls` records
        // when each group of series was polled, so the value at every poll is known without
        // a row per poll. Rollup rows exist only for buckets holding a change; a bucket
        // without one repeats the held value at each of its group's polls (`group_polls`).
        """
        CREATE TABLE series (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            labels TEXT NOT NULL,            -- canonical JSON object, keys sorted
            kind INTEGER NOT NULL,           -- 0 gauge, 1 counter
            grp TEXT NOT NULL,               -- the poll that produces it
            UNIQUE (name, labels)
        );
        CREATE TABLE samples (
            series_id INTEGER NOT NULL,
            ts INTEGER NOT NULL,             -- epoch seconds
            value REAL,                      -- NULL: the series ended
            PRIMARY KEY (series_id, ts)
        ) WITHOUT ROWID;
        CREATE TABLE polls (
            ts INTEGER NOT NULL,
            grp TEXT NOT NULL,
            PRIMARY KEY (ts, grp)
        ) WITHOUT ROWID;
        CREATE TABLE group_polls (
            tier TEXT NOT NULL,
            bucket INTEGER NOT NULL,
            grp TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (tier, bucket, grp)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_5m (
            series_id INTEGER NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
            sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, increase REAL,
            live INTEGER NOT NULL,           -- 0 when the series ended within the bucket
            PRIMARY KEY (series_id, bucket)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_1h (
            series_id INTEGER NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
            sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, increase REAL,
            live INTEGER NOT NULL,           -- 0 when the series ended within the bucket
            PRIMARY KEY (series_id, bucket)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_1d (
            series_id INTEGER NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
            sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, increase REAL,
            live INTEGER NOT NULL,           -- 0 when the series ended within the bucket
            PRIMARY KEY (series_id, bucket)
        ) WITHOUT ROWID;
        """,
        // 3: SLA state. A (rule, target) has a row while its condition holds (pending or
        // breaching), so `for` timers survive restarts; each breach is an episode.
        """
        CREATE INDEX runs_completed_by_end ON runs(coalesce(ended_ms, updated_ms)) WHERE state = 1;
        CREATE TABLE sla_state (
            rule TEXT NOT NULL,
            target TEXT NOT NULL,            -- flow:<id>, agent:<id> or tenant
            phase INTEGER NOT NULL,          -- 1 pending, 2 breaching
            since_ms INTEGER NOT NULL,       -- when the condition started holding
            episode_id INTEGER,
            PRIMARY KEY (rule, target)
        ) WITHOUT ROWID;
        CREATE TABLE sla_episodes (
            id INTEGER PRIMARY KEY,
            rule TEXT NOT NULL,
            target TEXT NOT NULL,
            target_name TEXT NOT NULL,
            severity TEXT NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER,                  -- NULL while breaching
            peak REAL,
            threshold REAL
        );
        CREATE INDEX sla_episodes_by_target ON sla_episodes(rule, target, start_ms);
        CREATE INDEX sla_episodes_by_end ON sla_episodes(coalesce(end_ms, 9223372036854775807));
        """,
        // 4: retention of SLA episodes. Deleted episodes still count in
        // etlworks_sla_breaches_total (a counter never goes down): their number is kept here.
        """
        CREATE TABLE sla_episodes_pruned (
            rule TEXT NOT NULL,
            target TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (rule, target)
        ) WITHOUT ROWID;
        """,
        // 5: stopping runs and kinds of runs. A stopped run shows `canceled` before its final
        // status, so an open run remembers since when its status is unchanged; retries and
        // manual runs are counted per flow like statuses.
        """
        ALTER TABLE runs ADD COLUMN status_since_ms INTEGER;
        ALTER TABLE runs ADD COLUMN kinds INTEGER NOT NULL DEFAULT 0; -- bit 0 retry, bit 1 manual
        UPDATE runs SET status_since_ms = updated_ms;
        CREATE TABLE flow_run_kinds (
            flow_id INTEGER NOT NULL,
            kind INTEGER NOT NULL,           -- 1 retry, 2 manual
            runs INTEGER NOT NULL,
            PRIMARY KEY (flow_id, kind)
        ) WITHOUT ROWID;
        """,
        // 6: observed time, the denominator of SLA compliance: the stretches during which
        // rules were evaluated on fresh polls. A database evaluated before keeps what it
        // counted until now: one stretch from the first evaluation to the latest executions poll.
        """
        CREATE TABLE sla_observed (
            start_ms INTEGER PRIMARY KEY,
            end_ms INTEGER NOT NULL
        );
        INSERT INTO sla_observed (start_ms, end_ms)
            SELECT since, max(since, coalesce((SELECT max(ts) * 1000 FROM polls WHERE grp = 'executions'), since))
            FROM (SELECT CAST(CAST(value AS REAL) * 1000 AS INTEGER) AS since FROM meta WHERE key = 'sla.evaluating_since');
        """,
        // 7: the schedule that fired a run (`eventId`), so that a flow with several schedules
        // is judged per schedule by `missed_schedule`.
        """
        ALTER TABLE runs ADD COLUMN event_id INTEGER;
        """,
        // 8: episodes found by replaying stored runs ("before this exporter watched").
        """
        ALTER TABLE sla_episodes ADD COLUMN replayed INTEGER NOT NULL DEFAULT 0;
        """,
        // 9: run durations in native-histogram buckets at the schema in meta `native_schema`
        // (counted from the stored runs on first open, and again when the schema changes).
        """
        CREATE TABLE flow_native_buckets (
            flow_id INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            runs INTEGER NOT NULL,
            PRIMARY KEY (flow_id, bucket)
        ) WITHOUT ROWID;
        """,
        // 10: tenants. One exporter may watch many tenants of an instance, whose flow ids and
        // audit ids overlap: flows, runs and the per-flow aggregates are keyed by tenant
        // ('' without `etlworks.tenants`). The tables are rebuilt with the tenant first in
        // their keys; what was stored belongs to ''.
        """
        CREATE TABLE flows_10 (
            tenant TEXT NOT NULL DEFAULT '',
            id INTEGER NOT NULL,
            name TEXT NOT NULL,
            flow_type TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            listed INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            generation INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (tenant, id)
        ) WITHOUT ROWID;
        INSERT INTO flows_10 SELECT '', id, name, flow_type, tags, listed, deleted, generation FROM flows;
        DROP TABLE flows;
        ALTER TABLE flows_10 RENAME TO flows;
        CREATE TABLE runs_10 (
            tenant TEXT NOT NULL DEFAULT '',
            audit_id INTEGER NOT NULL,
            flow_id INTEGER NOT NULL,
            status TEXT NOT NULL,
            state INTEGER NOT NULL,          -- 0 open, 1 completed (counted), 2 abandoned
            parent_audit_id INTEGER,
            created_ms INTEGER,
            started_ms INTEGER,
            ended_ms INTEGER,
            records INTEGER,
            first_seen_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            status_since_ms INTEGER,
            kinds INTEGER NOT NULL DEFAULT 0, -- bit 0 retry, bit 1 manual
            event_id INTEGER,
            PRIMARY KEY (tenant, audit_id)
        ) WITHOUT ROWID;
        INSERT INTO runs_10 SELECT '', audit_id, flow_id, status, state, parent_audit_id, created_ms, started_ms,
            ended_ms, records, first_seen_ms, updated_ms, status_since_ms, kinds, event_id FROM runs;
        DROP TABLE runs;
        ALTER TABLE runs_10 RENAME TO runs;
        CREATE INDEX runs_open ON runs(tenant, flow_id) WHERE state = 0;
        CREATE INDEX runs_by_flow_time ON runs(tenant, flow_id, coalesce(started_ms, created_ms));
        CREATE INDEX runs_completed_by_end ON runs(coalesce(ended_ms, updated_ms)) WHERE state = 1;
        CREATE TABLE flow_totals_10 (
            tenant TEXT NOT NULL DEFAULT '', flow_id INTEGER NOT NULL, status TEXT NOT NULL,
            runs INTEGER NOT NULL, records INTEGER NOT NULL,
            PRIMARY KEY (tenant, flow_id, status)
        ) WITHOUT ROWID;
        INSERT INTO flow_totals_10 SELECT '', flow_id, status, runs, records FROM flow_totals;
        DROP TABLE flow_totals;
        ALTER TABLE flow_totals_10 RENAME TO flow_totals;
        CREATE TABLE flow_duration_buckets_10 (
            tenant TEXT NOT NULL DEFAULT '', flow_id INTEGER NOT NULL, bucket INTEGER NOT NULL,
            runs INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
            PRIMARY KEY (tenant, flow_id, bucket)
        ) WITHOUT ROWID;
        INSERT INTO flow_duration_buckets_10 SELECT '', flow_id, bucket, runs, duration_ms FROM flow_duration_buckets;
        DROP TABLE flow_duration_buckets;
        ALTER TABLE flow_duration_buckets_10 RENAME TO flow_duration_buckets;
        CREATE TABLE flow_native_buckets_10 (
            tenant TEXT NOT NULL DEFAULT '', flow_id INTEGER NOT NULL, bucket INTEGER NOT NULL, runs INTEGER NOT NULL,
            PRIMARY KEY (tenant, flow_id, bucket)
        ) WITHOUT ROWID;
        INSERT INTO flow_native_buckets_10 SELECT '', flow_id, bucket, runs FROM flow_native_buckets;
        DROP TABLE flow_native_buckets;
        ALTER TABLE flow_native_buckets_10 RENAME TO flow_native_buckets;
        CREATE TABLE flow_run_kinds_10 (
            tenant TEXT NOT NULL DEFAULT '', flow_id INTEGER NOT NULL, kind INTEGER NOT NULL, runs INTEGER NOT NULL,
            PRIMARY KEY (tenant, flow_id, kind)
        ) WITHOUT ROWID;
        INSERT INTO flow_run_kinds_10 SELECT '', flow_id, kind, runs FROM flow_run_kinds;
        DROP TABLE flow_run_kinds;
        ALTER TABLE flow_run_kinds_10 RENAME TO flow_run_kinds;
        CREATE TABLE flow_last_10 (
            tenant TEXT NOT NULL DEFAULT '', flow_id INTEGER NOT NULL,
            end_ms INTEGER, duration_ms INTEGER, status TEXT, success_end_ms INTEGER,
            PRIMARY KEY (tenant, flow_id)
        ) WITHOUT ROWID;
        INSERT INTO flow_last_10 SELECT '', flow_id, end_ms, duration_ms, status, success_end_ms FROM flow_last;
        DROP TABLE flow_last;
        ALTER TABLE flow_last_10 RENAME TO flow_last;
        """,
        // 11: SLA rules per tenant. An SLA state, breach, pruned count and observed stretch
        // belongs to a tenant ('' without `etlworks.tenants`): tenants' flow ids overlap, so
        // `flow:7` names a different flow in each. What was stored belongs to ''.
        """
        CREATE TABLE sla_state_11 (
            tenant TEXT NOT NULL DEFAULT '',
            rule TEXT NOT NULL,
            target TEXT NOT NULL,            -- flow:<id>, agent:<id> or tenant
            phase INTEGER NOT NULL,          -- 1 pending, 2 breaching
            since_ms INTEGER NOT NULL,       -- when the condition started holding
            episode_id INTEGER,
            PRIMARY KEY (tenant, rule, target)
        ) WITHOUT ROWID;
        INSERT INTO sla_state_11 SELECT '', rule, target, phase, since_ms, episode_id FROM sla_state;
        DROP TABLE sla_state;
        ALTER TABLE sla_state_11 RENAME TO sla_state;
        ALTER TABLE sla_episodes ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
        DROP INDEX sla_episodes_by_target;
        CREATE INDEX sla_episodes_by_target ON sla_episodes(tenant, rule, target, start_ms);
        CREATE TABLE sla_episodes_pruned_11 (
            tenant TEXT NOT NULL DEFAULT '', rule TEXT NOT NULL, target TEXT NOT NULL, count INTEGER NOT NULL,
            PRIMARY KEY (tenant, rule, target)
        ) WITHOUT ROWID;
        INSERT INTO sla_episodes_pruned_11 SELECT '', rule, target, count FROM sla_episodes_pruned;
        DROP TABLE sla_episodes_pruned;
        ALTER TABLE sla_episodes_pruned_11 RENAME TO sla_episodes_pruned;
        CREATE TABLE sla_observed_11 (
            tenant TEXT NOT NULL DEFAULT '', start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
            PRIMARY KEY (tenant, start_ms)
        ) WITHOUT ROWID;
        INSERT INTO sla_observed_11 SELECT '', start_ms, end_ms FROM sla_observed;
        DROP TABLE sla_observed;
        ALTER TABLE sla_observed_11 RENAME TO sla_observed;
        """
    ]
}
