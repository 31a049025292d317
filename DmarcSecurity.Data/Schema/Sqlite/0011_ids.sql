-- 0011: IDS logs (Snort, Suricata, Zeek) that reached the platform, and the alerts and notices read from them.
-- Connection records are not kept one by one: they reach the source-IP grains summed per address and day.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE ids_ingestions (
    id INTEGER NOT NULL PRIMARY KEY,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    file_name TEXT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('Stored', 'Duplicate', 'Rejected')),
    error TEXT NULL,
    lines INTEGER NOT NULL,
    events INTEGER NOT NULL,
    alerts INTEGER NOT NULL,
    connections INTEGER NOT NULL,
    unreadable INTEGER NOT NULL,
    skipped TEXT NOT NULL,
    line_errors TEXT NOT NULL,
    sources INTEGER NOT NULL
);

CREATE INDEX ix_ids_ingestions_received ON ids_ingestions (received_at DESC, id DESC);
CREATE INDEX ix_ids_ingestions_sha256 ON ids_ingestions (sha256) WHERE outcome = 'Stored';

CREATE TABLE ids_alerts (
    id INTEGER NOT NULL PRIMARY KEY,
    ingestion_id INTEGER NOT NULL REFERENCES ids_ingestions (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('Alert', 'Notice')),
    sensor TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    source_port INTEGER NULL,
    destination_ip TEXT NULL,
    destination_port INTEGER NULL,
    protocol TEXT NULL,
    signature TEXT NOT NULL,
    signature_id TEXT NULL,
    classification TEXT NULL,
    priority INTEGER NULL,
    action TEXT NULL
);

CREATE INDEX ix_ids_alerts_source ON ids_alerts (source_ip, at DESC, id DESC);
CREATE INDEX ix_ids_alerts_at ON ids_alerts (at);
CREATE INDEX ix_ids_alerts_ingestion ON ids_alerts (ingestion_id);
