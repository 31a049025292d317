-- 0019: DMARC failure reports (RFC 6591 authentication failure reports with the DMARC fields of RFC 7489 section
-- 7.3): one row per report, about one message that failed; the files they came from are ingested_files rows like any
-- other, and each arrival's history row lists the failure reports it stored or repeated. The original message's body
-- is personal data: original_body is NULL unless the operator turned storing bodies on.
-- Never edit once landed; add a later script instead.
-- Timestamps are INTEGER Unix milliseconds (UTC); address lists, failure kinds and URIs are JSON arrays of strings.

CREATE TABLE failure_reports (
    id INTEGER NOT NULL PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
    -- Hex SHA-256 of reporter + original Message-ID + arrival date + source IP: the report's identity.
    identity_key TEXT NOT NULL,
    origin TEXT NOT NULL,
    reporter TEXT NOT NULL,
    feedback_type TEXT NOT NULL,
    user_agent TEXT NULL,
    version TEXT NULL,
    -- Arrival-Date of the report; when the reporter left it out, when the report reached us.
    arrival_at INTEGER NOT NULL,
    arrival_date_given INTEGER NOT NULL,
    source_ip TEXT NOT NULL,
    reported_domain TEXT NULL,
    original_mail_from TEXT NULL,
    original_rcpt_to TEXT NOT NULL,
    authentication_results TEXT NULL,
    auth_failures TEXT NOT NULL,
    dkim_domain TEXT NULL,
    dkim_identity TEXT NULL,
    dkim_selector TEXT NULL,
    spf_dns TEXT NULL,
    delivery_result TEXT NULL,
    identity_alignment TEXT NULL,
    reported_uris TEXT NOT NULL,
    original_from TEXT NULL,
    original_to TEXT NULL,
    original_subject TEXT NULL,
    original_date TEXT NULL,
    original_message_id TEXT NULL,
    original_headers TEXT NOT NULL,
    original_body TEXT NULL
);

CREATE UNIQUE INDEX ux_failure_reports_identity_key ON failure_reports (identity_key);
CREATE INDEX ix_failure_reports_file_id ON failure_reports (file_id);
CREATE INDEX ix_failure_reports_arrival_at ON failure_reports (arrival_at, id);
CREATE INDEX ix_failure_reports_domain ON failure_reports (reported_domain, arrival_at);
CREATE INDEX ix_failure_reports_source_ip ON failure_reports (source_ip, arrival_at);

-- A failure report a file repeated, so a byte-identical upload of that file can be answered (as duplicate_reports).
CREATE TABLE duplicate_failure_reports (
    file_id INTEGER NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
    failure_report_id INTEGER NOT NULL REFERENCES failure_reports (id) ON DELETE CASCADE,
    PRIMARY KEY (file_id, failure_report_id)
);

CREATE INDEX ix_duplicate_failure_reports_report ON duplicate_failure_reports (failure_report_id);

ALTER TABLE ingestion_history ADD COLUMN failure_report_ids TEXT NOT NULL DEFAULT '';
ALTER TABLE ingestion_history ADD COLUMN duplicate_of_failure_report_ids TEXT NOT NULL DEFAULT '';
