-- 0007: firewall bouncers that pull enforced block decisions, and what each was last told is in force.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC), booleans
-- INTEGER 0/1, GUIDs text as EF writes them.

CREATE TABLE bouncers (
    id INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    from_configuration INTEGER NOT NULL,
    revoked_at INTEGER NULL,
    last_pull_at INTEGER NULL
);

CREATE UNIQUE INDEX ux_bouncers_key_hash ON bouncers (key_hash);
CREATE UNIQUE INDEX ux_bouncers_active_name ON bouncers (name) WHERE revoked_at IS NULL;

CREATE TABLE bouncer_decisions (
    bouncer_id INTEGER NOT NULL REFERENCES bouncers (id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (bouncer_id, value)
);

CREATE INDEX ix_decisions_enforced_blocks ON decisions (expires_at) WHERE action = 'Block' AND simulated = 0;
