-- 0014: which alerts and decisions each SIEM target was sent, so each goes out once per target (at least once: a
-- send that fails is tried again, a send whose mark was lost is repeated).
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE siem_exports (
    target TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('alert', 'decision')),
    item TEXT NOT NULL,
    exported_at INTEGER NOT NULL,
    PRIMARY KEY (target, kind, item)
);

CREATE INDEX ix_siem_exports_exported ON siem_exports (exported_at);
