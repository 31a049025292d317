-- 0018: SMTP TLS reports (RFC 8460): one row per report, one per policy in it with its session counts, one per
-- failure detail; the files they came from are ingested_files rows like any other, and each arrival's history row
-- lists the TLS reports it stored or repeated. Never edit once landed; add a later script instead.
-- Timestamps are INTEGER Unix milliseconds (UTC); policy strings and MX hosts are JSON arrays of strings.

CREATE TABLE tls_reports (
    id INTEGER NOT NULL PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
    identity_key TEXT NOT NULL,
    origin TEXT NOT NULL,
    org_name TEXT NOT NULL,
    report_id TEXT NOT NULL,
    contact_info TEXT NULL,
    begin_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    policy_count INTEGER NOT NULL,
    successful_session_count INTEGER NOT NULL,
    failed_session_count INTEGER NOT NULL
);

CREATE UNIQUE INDEX ux_tls_reports_identity_key ON tls_reports (identity_key);
CREATE INDEX ix_tls_reports_file_id ON tls_reports (file_id);
CREATE INDEX ix_tls_reports_begin_at ON tls_reports (begin_at, id);

CREATE TABLE tls_report_policies (
    id INTEGER NOT NULL PRIMARY KEY,
    tls_report_id INTEGER NOT NULL REFERENCES tls_reports (id) ON DELETE CASCADE,
    policy_type TEXT NOT NULL CHECK (policy_type IN ('sts', 'tlsa', 'no-policy-found')),
    policy_domain TEXT NOT NULL,
    policy_strings TEXT NOT NULL,
    mx_hosts TEXT NOT NULL,
    successful_session_count INTEGER NOT NULL,
    failed_session_count INTEGER NOT NULL
);

CREATE INDEX ix_tls_report_policies_report ON tls_report_policies (tls_report_id);
CREATE INDEX ix_tls_report_policies_domain ON tls_report_policies (policy_domain, tls_report_id);

CREATE TABLE tls_failure_details (
    id INTEGER NOT NULL PRIMARY KEY,
    policy_id INTEGER NOT NULL REFERENCES tls_report_policies (id) ON DELETE CASCADE,
    result_type TEXT NOT NULL,
    sending_mta_ip TEXT NULL,
    receiving_mx_hostname TEXT NULL,
    receiving_mx_helo TEXT NULL,
    receiving_ip TEXT NULL,
    failed_session_count INTEGER NOT NULL,
    additional_information TEXT NULL,
    failure_reason_code TEXT NULL
);

CREATE INDEX ix_tls_failure_details_policy ON tls_failure_details (policy_id);

CREATE TABLE duplicate_tls_reports (
    file_id INTEGER NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
    tls_report_id INTEGER NOT NULL REFERENCES tls_reports (id) ON DELETE CASCADE,
    PRIMARY KEY (file_id, tls_report_id)
);

CREATE INDEX ix_duplicate_tls_reports_report ON duplicate_tls_reports (tls_report_id);

ALTER TABLE ingestion_history ADD COLUMN tls_report_ids TEXT NOT NULL DEFAULT '';
ALTER TABLE ingestion_history ADD COLUMN duplicate_of_tls_report_ids TEXT NOT NULL DEFAULT '';
