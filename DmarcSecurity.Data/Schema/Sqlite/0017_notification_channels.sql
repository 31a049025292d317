-- 0017: notification channels added by Admins in the UI and the API, beside those declared in configuration, with
-- routing by severity, domain and alert rule; their secrets (a webhook's address, the HMAC key, the SMTP password)
-- are kept only as ASP.NET Core Data Protection payloads, under the key ring below, which every Api replica shares.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE notification_channels (
    id INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('Teams', 'Slack', 'Discord', 'Webhook', 'Email')),
    enabled INTEGER NOT NULL,
    minimum_severity TEXT NOT NULL CHECK (minimum_severity IN ('Info', 'Low', 'Medium', 'High', 'Critical')),
    -- JSON arrays of strings; [] for all.
    domains TEXT NOT NULL,
    rules TEXT NOT NULL,
    permits_per_minute INTEGER NOT NULL,
    url_protected TEXT NULL,
    secret_protected TEXT NULL,
    host TEXT NULL,
    port INTEGER NOT NULL,
    security TEXT NOT NULL CHECK (security IN ('None', 'StartTls', 'SslOnConnect')),
    user_name TEXT NULL,
    password_protected TEXT NULL,
    from_address TEXT NULL,
    to_addresses TEXT NULL,
    certificate_fingerprint TEXT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE UNIQUE INDEX ux_notification_channels_name ON notification_channels (lower(name));

CREATE TABLE data_protection_keys (
    id INTEGER NOT NULL PRIMARY KEY,
    friendly_name TEXT NULL,
    xml TEXT NULL
);
