-- 0010: notifications delivered from the outbox to chat channels, webhooks and e-mail, with their retries.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC), GUIDs text as
-- EF writes them.

CREATE TABLE notification_deliveries (
    id INTEGER NOT NULL PRIMARY KEY,
    outbox_id INTEGER NULL REFERENCES outbox (id) ON DELETE SET NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    message_type TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Pending', 'Delivered', 'DeadLettered')),
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claim_token TEXT NULL,
    created_at INTEGER NOT NULL,
    last_attempt_at INTEGER NULL,
    delivered_at INTEGER NULL,
    last_status_code INTEGER NULL,
    last_response TEXT NULL,
    last_error TEXT NULL
);

CREATE UNIQUE INDEX ux_notification_deliveries_key ON notification_deliveries (idempotency_key);
CREATE INDEX ix_notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'Pending';
CREATE INDEX ix_notification_deliveries_created ON notification_deliveries (created_at DESC, id DESC);
