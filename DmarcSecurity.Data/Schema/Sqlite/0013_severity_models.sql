-- 0013: learned-severity models trained on analysts' verdicts, and what the active one advised for each decision.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC), GUIDs text as
-- EF writes them.

CREATE TABLE severity_models (
    version INTEGER NOT NULL PRIMARY KEY,
    trained_at INTEGER NOT NULL,
    trained_by TEXT NOT NULL,
    examples INTEGER NOT NULL,
    confirmed INTEGER NOT NULL,
    dismissed INTEGER NOT NULL,
    features TEXT NOT NULL,
    metrics TEXT NOT NULL,
    model BLOB NOT NULL,
    active INTEGER NOT NULL,
    activated_at INTEGER NULL,
    activated_by TEXT NULL
);

CREATE UNIQUE INDEX ux_severity_models_active ON severity_models (active) WHERE active;

CREATE TABLE severity_predictions (
    id INTEGER NOT NULL PRIMARY KEY,
    decision_id TEXT NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    model_version INTEGER NOT NULL REFERENCES severity_models (version) ON DELETE CASCADE,
    predicted_at INTEGER NOT NULL,
    probability REAL NOT NULL,
    severity TEXT NOT NULL,
    confidence REAL NOT NULL
);

CREATE UNIQUE INDEX ux_severity_predictions ON severity_predictions (decision_id, model_version);
CREATE INDEX ix_severity_predictions_model ON severity_predictions (model_version, predicted_at DESC);
