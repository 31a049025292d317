-- 0001: DMARC aggregate reports. Never edit once landed; add 0002_*.sql instead.
-- Timestamps are INTEGER Unix milliseconds (UTC); booleans INTEGER 0/1; lists JSON text.

CREATE TABLE ingested_files (
    id INTEGER NOT NULL PRIMARY KEY,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    file_name TEXT NULL,
    size INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('Stored', 'Duplicate', 'Rejected')),
    rejection_reason TEXT NULL,
    error TEXT NULL
);

-- Same bytes twice: one accepted copy per content; rejected attempts may repeat (and be retried).
CREATE UNIQUE INDEX ux_ingested_files_sha256 ON ingested_files (sha256) WHERE outcome <> 'Rejected';

CREATE TABLE reports (
    id INTEGER NOT NULL PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
    identity_key TEXT NOT NULL,
    origin TEXT NOT NULL,
    format TEXT NOT NULL,
    version TEXT NULL,
    org_name TEXT NOT NULL,
    reporter_email TEXT NULL,
    extra_contact_info TEXT NULL,
    report_id TEXT NOT NULL,
    begin_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    generator TEXT NULL,
    errors TEXT NOT NULL,
    warnings TEXT NOT NULL,
    extensions TEXT NOT NULL,
    skipped_records INTEGER NOT NULL,
    policy_domain TEXT NOT NULL,
    policy_adkim TEXT NOT NULL,
    policy_aspf TEXT NOT NULL,
    policy_p TEXT NOT NULL,
    policy_sp TEXT NOT NULL,
    policy_np TEXT NULL,
    policy_pct INTEGER NULL,
    policy_fo TEXT NULL,
    policy_testing TEXT NULL,
    policy_discovery_method TEXT NULL,
    record_count INTEGER NOT NULL,
    -- Message counters over the report's records, written at ingestion: the dashboard reads these, not records.
    message_count INTEGER NOT NULL,
    dkim_pass_count INTEGER NOT NULL,
    spf_pass_count INTEGER NOT NULL,
    both_pass_count INTEGER NOT NULL,
    none_count INTEGER NOT NULL,
    quarantine_count INTEGER NOT NULL,
    reject_count INTEGER NOT NULL,
    raw_xml_size INTEGER NOT NULL,
    raw_xml_stored INTEGER NOT NULL
);

-- Report identity (org + report id + policy domain + begin + end), hashed: same report from another file is a duplicate.
CREATE UNIQUE INDEX ux_reports_identity_key ON reports (identity_key);
CREATE INDEX ix_reports_file_id ON reports (file_id);
CREATE INDEX ix_reports_begin_at ON reports (begin_at);
CREATE INDEX ix_reports_domain_begin_at ON reports (lower(policy_domain), begin_at);
CREATE INDEX ix_reports_org_begin_at ON reports (lower(org_name), begin_at);

CREATE TABLE report_raw_xml (
    report_id INTEGER NOT NULL PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    xml_gzip BLOB NOT NULL
);

CREATE TABLE duplicate_reports (
    file_id INTEGER NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    PRIMARY KEY (file_id, report_id)
);

CREATE INDEX ix_duplicate_reports_report_id ON duplicate_reports (report_id);

-- Override reasons and DKIM/SPF auth results are JSON arrays on the row (NULL when empty).
-- No foreign key to reports, as on PostgreSQL (see there): written only by the bulk writer with its report.
-- source_ip is the address as text; source_ip_key is its 16-byte IPv6 form (IPv4 as ::ffff:a.b.c.d) in 32 lower-case
-- hex digits, so a CIDR block is a key range on an index.
CREATE TABLE records (
    id INTEGER NOT NULL PRIMARY KEY,
    report_id INTEGER NOT NULL,
    source_ip TEXT NOT NULL,
    source_ip_key TEXT NOT NULL CHECK (length(source_ip_key) = 32),
    count INTEGER NOT NULL CHECK (count >= 0),
    disposition TEXT NOT NULL,
    dkim_policy_result TEXT NOT NULL,
    spf_policy_result TEXT NOT NULL,
    reasons TEXT NULL,
    header_from TEXT NOT NULL,
    envelope_from TEXT NULL,
    envelope_to TEXT NULL,
    dkim TEXT NULL,
    spf TEXT NULL,
    has_non_standard_values INTEGER NOT NULL
);

CREATE INDEX ix_records_report_id ON records (report_id);
CREATE INDEX ix_records_source_ip_key ON records (source_ip_key);
