-- 0002: users, refresh tokens, API keys and the audit log. Never edit once landed; add 0003_*.sql instead.
-- Tokens and keys are stored only as lower-case hex SHA-256; passwords only as PasswordHasher output.
-- Timestamps are INTEGER Unix milliseconds (UTC); booleans INTEGER 0/1; family_id is the GUID as text, as EF writes it.

CREATE TABLE users (
    id INTEGER NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    normalized_email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('Viewer', 'Analyst', 'Admin')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL,
    must_change_password INTEGER NOT NULL,
    failed_login_count INTEGER NOT NULL,
    failed_login_window_start INTEGER NULL,
    lockout_end INTEGER NULL,
    last_sign_in_at INTEGER NULL,
    created_at INTEGER NOT NULL,
    security_stamp TEXT NOT NULL
);

CREATE UNIQUE INDEX ux_users_normalized_email ON users (normalized_email);

-- replaced_by_id has no foreign key, as on PostgreSQL (see there).
CREATE TABLE refresh_tokens (
    id INTEGER NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NULL,
    revoked_reason TEXT NULL,
    replaced_by_id INTEGER NULL
);

CREATE UNIQUE INDEX ux_refresh_tokens_token_hash ON refresh_tokens (token_hash);
CREATE INDEX ix_refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE INDEX ix_refresh_tokens_family_id ON refresh_tokens (family_id);

-- created_by_user_id is a record, not a relationship, as on PostgreSQL (see there).
CREATE TABLE api_keys (
    id INTEGER NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('Viewer', 'Analyst', 'Admin')),
    created_at INTEGER NOT NULL,
    created_by_user_id INTEGER NOT NULL,
    expires_at INTEGER NULL,
    revoked_at INTEGER NULL,
    last_used_at INTEGER NULL
);

CREATE UNIQUE INDEX ux_api_keys_key_hash ON api_keys (key_hash);
CREATE UNIQUE INDEX ux_api_keys_prefix ON api_keys (prefix);
CREATE INDEX ix_api_keys_user_id ON api_keys (user_id);

-- No foreign keys, as on PostgreSQL (see there): audit rows outlive the users and keys they name.
CREATE TABLE audit_entries (
    id INTEGER NOT NULL PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER NULL,
    user_email TEXT NULL,
    api_key_id INTEGER NULL,
    action TEXT NOT NULL,
    target TEXT NULL,
    client_address TEXT NULL,
    outcome TEXT NOT NULL,
    status_code INTEGER NULL,
    detail TEXT NULL
);

CREATE INDEX ix_audit_entries_at ON audit_entries (at);
CREATE INDEX ix_audit_entries_user_id_at ON audit_entries (user_id, at);
CREATE INDEX ix_audit_entries_action_at ON audit_entries (action, at);
