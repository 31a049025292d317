-- 0016: an Admin may let the active learned-severity model decide: it raises a decision the rules rated lower.
-- Off for every model, and switched off again whenever another version is activated.
-- Never edit once landed; add a later script instead.

ALTER TABLE severity_models ADD COLUMN decides boolean NOT NULL DEFAULT false;
ALTER TABLE severity_models ADD COLUMN decides_since timestamp with time zone NULL;
ALTER TABLE severity_models ADD COLUMN decides_by text NULL;
