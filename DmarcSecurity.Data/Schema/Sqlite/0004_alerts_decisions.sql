-- 0004: alert rules, alerts and their history, suppressions, decisions, the allowlist and the outbox.
-- Never edit once landed; add 0005_*.sql instead. Timestamps are INTEGER Unix milliseconds (UTC), booleans
-- INTEGER 0/1, GUIDs text as EF writes them. Written by the silo's output writer in the transaction that
-- consumes the grain events, and by the Api for lifecycle changes (acknowledge, resolve, review).

CREATE TABLE alert_rules (
    key TEXT NOT NULL PRIMARY KEY,
    enabled INTEGER NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('Info', 'Low', 'Medium', 'High', 'Critical')),
    cooldown_seconds INTEGER NOT NULL CHECK (cooldown_seconds >= 0),
    thresholds TEXT NOT NULL,
    description TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NULL
);

CREATE TABLE alerts (
    id INTEGER NOT NULL PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    rule_key TEXT NOT NULL,
    severity TEXT NOT NULL,
    grain_type TEXT NOT NULL,
    grain_key TEXT NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    discriminators TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Open', 'Acknowledged', 'Resolved')),
    occurrences INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    acknowledged_at INTEGER NULL,
    acknowledged_by TEXT NULL,
    resolved_at INTEGER NULL,
    resolved_by TEXT NULL
);

-- One unresolved alert per fingerprint: repeats raise its occurrence count.
CREATE UNIQUE INDEX ux_alerts_open_fingerprint ON alerts (fingerprint) WHERE status <> 'Resolved';
CREATE INDEX ix_alerts_status_last_seen ON alerts (status, last_seen_at);
CREATE INDEX ix_alerts_grain ON alerts (grain_type, grain_key, last_seen_at);
CREATE INDEX ix_alerts_rule ON alerts (rule_key, last_seen_at);

CREATE TABLE alert_history (
    id INTEGER NOT NULL PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    by TEXT NULL,
    comment TEXT NULL
);

CREATE INDEX ix_alert_history_alert ON alert_history (alert_id, at);

CREATE TABLE suppressions (
    id INTEGER NOT NULL PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('Domain', 'Network', 'Rule')),
    value TEXT NOT NULL,
    start_at INTEGER NOT NULL,
    end_at INTEGER NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE decisions (
    id TEXT NOT NULL PRIMARY KEY,
    ip TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('Ip', 'Cidr')),
    cidr TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('None', 'Monitor', 'Reassess', 'Review', 'Block')),
    severity TEXT NOT NULL,
    score REAL NOT NULL,
    breakdown TEXT NOT NULL,
    ttl_seconds INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    simulated INTEGER NOT NULL,
    suppressed_by_allowlist INTEGER NOT NULL,
    allowlist_reason TEXT NULL,
    repeat_offences INTEGER NOT NULL,
    supersedes TEXT NULL,
    review_status TEXT NOT NULL CHECK (review_status IN ('NotRequired', 'Pending', 'Approved', 'Dismissed')),
    reviewed_by TEXT NULL,
    reviewed_at INTEGER NULL,
    review_comment TEXT NULL
);

CREATE INDEX ix_decisions_ip_issued ON decisions (ip, issued_at);
CREATE INDEX ix_decisions_issued ON decisions (issued_at);
CREATE INDEX ix_decisions_review ON decisions (review_status, issued_at);

CREATE TABLE allowlist (
    id INTEGER NOT NULL PRIMARY KEY,
    network TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX ux_allowlist_network ON allowlist (network);

CREATE TABLE outbox (
    id INTEGER NOT NULL PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('Notify', 'Enforce')),
    message_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    dispatched_at INTEGER NULL,
    attempts INTEGER NOT NULL
);

-- The dispatcher reads what is not yet sent, oldest first.
CREATE INDEX ix_outbox_pending ON outbox (id) WHERE dispatched_at IS NULL;
