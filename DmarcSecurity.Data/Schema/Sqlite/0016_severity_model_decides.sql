-- 0016: an Admin may let the active learned-severity model decide: it raises a decision the rules rated lower.
-- Off for every model, and switched off again whenever another version is activated.
-- Never edit once landed; add a later script instead. Timestamps are INTEGER Unix milliseconds (UTC).

ALTER TABLE severity_models ADD COLUMN decides INTEGER NOT NULL DEFAULT 0;
ALTER TABLE severity_models ADD COLUMN decides_since INTEGER NULL;
ALTER TABLE severity_models ADD COLUMN decides_by TEXT NULL;
