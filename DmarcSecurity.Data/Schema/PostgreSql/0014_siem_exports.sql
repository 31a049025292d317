-- 0014: which alerts and decisions each SIEM target was sent, so each goes out once per target (at least once: a
-- send that fails is tried again, a send whose mark was lost is repeated).
-- Never edit once landed; add a later script instead.

CREATE TABLE siem_exports (
    target text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('alert', 'decision')),
    item text NOT NULL,
    exported_at timestamp with time zone NOT NULL,
    PRIMARY KEY (target, kind, item)
);

CREATE INDEX ix_siem_exports_exported ON siem_exports (exported_at);
