-- 0024: IMAP mailboxes added by Admins in the UI and the API, beside those declared in configuration. The password is
-- kept only as an ASP.NET Core Data Protection payload (key ring in data_protection_keys, 0017), bound to the name.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE mailboxes (
    id INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    security TEXT NOT NULL CHECK (security IN ('None', 'StartTls', 'SslOnConnect')),
    user_name TEXT NOT NULL,
    password_protected TEXT NOT NULL,
    folder TEXT NOT NULL,
    archive_folder TEXT NOT NULL,
    invalid_folder TEXT NOT NULL,
    poll_interval_ms INTEGER NOT NULL,
    use_idle INTEGER NOT NULL,
    certificate_fingerprint TEXT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE UNIQUE INDEX ux_mailboxes_name ON mailboxes (lower(name));
