-- 0025 (SQLite: timestamps as Unix milliseconds, addresses as text): the per-source figures of the views, rolled up by UTC day and by UTC month, so a view over millions of
-- records reads thousands of rows. A report's records are added to the day(s) its window covers, in proportion to time
-- (as the views weigh a report cut by a period), and to their months. A stored report waits in rollup_queue until it
-- is rolled up; the views add the records of waiting reports themselves, so they are exact at any moment. Reports
-- stored before this script are queued here and rolled up by the Api in the background.
-- Never edit once landed; add a later script instead.

CREATE TABLE rollup_queue (
    report_id INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE
);

CREATE TABLE source_days (
    day INTEGER NOT NULL,
    domain TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    messages REAL NOT NULL,
    failing REAL NOT NULL,
    forwarded REAL NOT NULL,
    PRIMARY KEY (day, domain, source_ip)
);

CREATE INDEX ix_source_days_domain_day ON source_days (domain, day);
CREATE INDEX ix_source_days_source_ip ON source_days (source_ip);

CREATE TABLE source_months (
    month INTEGER NOT NULL,
    domain TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    messages REAL NOT NULL,
    failing REAL NOT NULL,
    forwarded REAL NOT NULL,
    PRIMARY KEY (month, domain, source_ip)
);

CREATE INDEX ix_source_months_domain_month ON source_months (domain, month);
CREATE INDEX ix_source_months_source_ip ON source_months (source_ip);

INSERT INTO rollup_queue (report_id) SELECT id FROM reports;
