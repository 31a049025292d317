-- 0023: the sending services an analyst marked as sending for a domain, against which the domain's senders view and
-- its policy readiness are judged. Never edit once landed; add a later script instead.
-- Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE authorised_services (
    domain TEXT NOT NULL,
    service TEXT NOT NULL,
    authorised_by TEXT NOT NULL,
    authorised_at INTEGER NOT NULL,
    note TEXT NULL,
    PRIMARY KEY (domain, service)
);
