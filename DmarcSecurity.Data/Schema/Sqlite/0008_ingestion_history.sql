-- 0008: every file, message and folder entry that reached the platform, by any route, with its outcome: one row
-- per arrival, byte-identical repeats included (ingested_files keeps one row per content).
-- Never edit once landed; add a new numbered script instead. Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE ingestion_history (
    id INTEGER NOT NULL PRIMARY KEY,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    file_name TEXT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('Stored', 'Duplicate', 'Rejected')),
    rejection_reason TEXT NULL,
    error TEXT NULL,
    file_id INTEGER NULL REFERENCES ingested_files (id) ON DELETE SET NULL,
    report_ids TEXT NOT NULL,
    duplicate_of_report_ids TEXT NOT NULL,
    record_count INTEGER NOT NULL
);

CREATE INDEX ix_ingestion_history_received ON ingestion_history (received_at, id);
CREATE INDEX ix_ingestion_history_source ON ingestion_history (source, received_at);
