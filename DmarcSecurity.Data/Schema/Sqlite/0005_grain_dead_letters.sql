-- 0005: inbox events a grain handler could not apply, set aside with the error so their partition goes on;
-- and the index silos use to find grains whose periodic work is due.
-- Never edit once landed; add 0006_*.sql instead. Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE grain_dead_letters (
    id INTEGER NOT NULL PRIMARY KEY,
    inbox_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    grain_type TEXT NOT NULL,
    grain_key TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    failed_at INTEGER NOT NULL,
    error TEXT NOT NULL
);

CREATE INDEX ix_grain_dead_letters_grain ON grain_dead_letters (grain_type, grain_key, failed_at);

-- Silos look for grains whose periodic work is due though no event brought them into memory: those of a partition
-- and type last written a tick interval ago or more.
CREATE INDEX ix_grain_states_due ON grain_states (partition, grain_type, updated_at);
