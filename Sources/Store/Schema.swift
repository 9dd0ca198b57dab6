/// The database schema, versioned by `PRAGMA user_version`. Each migration takes the schema
/// from its index to the next; a database newer than `Schema.version` is refused.
enum Schema {
    static var version: Int64 { Int64(migrations.count) }

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
        // 2: time series. A series is stored once; samples and rollups refer to it by id.
        // Every table is clustered by time bucket first, so each poll and each rollup
        // appends at the end of its table instead of touching one page per series; one
        // series' range is read with one seek per bucket.
        """
        CREATE TABLE series (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            labels TEXT NOT NULL,            -- canonical JSON object, keys sorted
            kind INTEGER NOT NULL,           -- 0 gauge, 1 counter
            UNIQUE (name, labels)
        );
        CREATE TABLE samples (
            bucket INTEGER NOT NULL,         -- start of the 5-minute bucket, epoch seconds
            series_id INTEGER NOT NULL,
            offset INTEGER NOT NULL,         -- seconds into the bucket
            value REAL NOT NULL,
            repeats INTEGER NOT NULL DEFAULT 0,  -- later polls in the bucket that saw the same value
            PRIMARY KEY (bucket, series_id, offset)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_5m (
            bucket INTEGER NOT NULL, series_id INTEGER NOT NULL, count INTEGER NOT NULL,
            sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, increase REAL,
            PRIMARY KEY (bucket, series_id)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_1h (
            bucket INTEGER NOT NULL, series_id INTEGER NOT NULL, count INTEGER NOT NULL,
            sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, increase REAL,
            PRIMARY KEY (bucket, series_id)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_1d (
            bucket INTEGER NOT NULL, series_id INTEGER NOT NULL, count INTEGER NOT NULL,
            sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, increase REAL,
            PRIMARY KEY (bucket, series_id)
        ) WITHOUT ROWID;
        -- The last raw sample the 5-minute rollup consumed per series: a counter's baseline
        -- for the next bucket, however long the gap, and when the series was last seen.
        CREATE TABLE series_cursor (
            series_id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            value REAL NOT NULL
        );
        """,
    ]
}
