-- 0015: every run of the scheduled jobs (retention, anomaly detection, learned severity, SIEM export, ...), by the
-- schedule or by an Admin, with its outcome, so the jobs can be watched in one place.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC).

CREATE TABLE job_runs (
    id INTEGER NOT NULL PRIMARY KEY,
    job TEXT NOT NULL,
    trigger TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('Running', 'Succeeded', 'Failed')),
    summary TEXT NULL,
    error TEXT NULL
);

CREATE INDEX ix_job_runs_job ON job_runs (job, started_at DESC, id DESC);
