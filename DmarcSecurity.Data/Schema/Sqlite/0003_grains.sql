-- 0003: the grain runtime (inbox, grain states, silo membership, partition count). Never edit once landed; add
-- 0004_*.sql instead. Timestamps are INTEGER Unix milliseconds (UTC). See the PostgreSQL script for what each table is.

CREATE TABLE grain_partitioning (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    partitions INTEGER NOT NULL CHECK (partitions BETWEEN 1 AND 4096),
    created_at INTEGER NOT NULL
);

-- AUTOINCREMENT: ids are never reused after the inbox drains, so an id names one event for good.
CREATE TABLE grain_inbox (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    partition INTEGER NOT NULL,
    grain_type TEXT NOT NULL,
    grain_key TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL
);

CREATE INDEX ix_grain_inbox_partition_id ON grain_inbox (partition, id);

CREATE TABLE grain_states (
    grain_type TEXT NOT NULL,
    grain_key TEXT NOT NULL,
    partition INTEGER NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (grain_type, grain_key)
) WITHOUT ROWID;

-- One process owns every partition on SQLite; the table still reports it.
CREATE TABLE silo_members (
    silo_id TEXT NOT NULL PRIMARY KEY,
    host_name TEXT NOT NULL,
    process_id INTEGER NOT NULL,
    lease_pid INTEGER NULL,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    owned_partitions INTEGER NOT NULL,
    active_grains INTEGER NOT NULL,
    events_processed INTEGER NOT NULL,
    events_per_second REAL NOT NULL
);
