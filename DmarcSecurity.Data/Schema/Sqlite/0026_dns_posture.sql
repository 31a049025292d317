-- 0026: checks of each domain's published email-authentication DNS (DMARC, SPF, DKIM, MTA-STS, TLS-RPT), on demand and
-- daily; the newest per domain are kept so a change can be told from the check before.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE dns_posture_checks (
    id INTEGER NOT NULL PRIMARY KEY,
    domain TEXT NOT NULL,
    checked_at INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    worst TEXT NOT NULL CHECK (worst IN ('Ok', 'Warning', 'Error')),
    result TEXT NOT NULL
);

CREATE INDEX ix_dns_posture_checks_domain ON dns_posture_checks (domain, id DESC);
