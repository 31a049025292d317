-- 0021: the same report (reporter org + report id + policy domain + date range) arriving again with different
-- content. It is not stored as a report (its messages would be counted twice) and not dropped as a duplicate: it is
-- kept as a conflicting copy of the stored report, with its own totals and records, for an analyst to compare.
-- reports.content_sha256 fingerprints what a report says (published policy and records); NULL for reports stored
-- before this script, whose fingerprint is computed from their records the first time a copy of them arrives.
-- Never edit once landed; add a later script instead.
-- Timestamps are INTEGER Unix milliseconds (UTC).

ALTER TABLE reports ADD COLUMN content_sha256 TEXT NULL;

CREATE TABLE report_conflicts (
    id INTEGER NOT NULL PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
    content_sha256 TEXT NOT NULL,
    detected_at INTEGER NOT NULL,
    policy_adkim TEXT NOT NULL,
    policy_aspf TEXT NOT NULL,
    policy_p TEXT NOT NULL,
    policy_sp TEXT NOT NULL,
    policy_np TEXT NULL,
    policy_pct INTEGER NULL,
    record_count INTEGER NOT NULL,
    message_count INTEGER NOT NULL,
    dkim_pass_count INTEGER NOT NULL,
    spf_pass_count INTEGER NOT NULL,
    -- The copy's records as a gzip-compressed JSON array (address, count, disposition, results, identifiers).
    records_gzip BLOB NOT NULL
);

-- The same conflicting content arriving again is a duplicate of the copy, not a second copy.
CREATE UNIQUE INDEX ux_report_conflicts_content ON report_conflicts (report_id, content_sha256);
CREATE INDEX ix_report_conflicts_detected_at ON report_conflicts (detected_at, id);
CREATE INDEX ix_report_conflicts_file_id ON report_conflicts (file_id);

ALTER TABLE ingestion_history ADD COLUMN conflict_ids TEXT NOT NULL DEFAULT '';
