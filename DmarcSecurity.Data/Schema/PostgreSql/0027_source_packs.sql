-- 0027: every domain's rolled-up rows of one UTC day (period 'day') or month ('month') packed into one value, so a view
-- over every domain and a long period reads a few hundred values instead of millions of rows (SourcePack in the code
-- has the layout). A roll-up that changes a day or a month sets its data to null in its transaction; the Api packs it
-- again afterwards, and until then the views read that day's or month's rows. Stored uncompressed: the layout is
-- compact already, and reading it must not wait on decompression.
-- Never edit once landed; add a later script instead.

CREATE TABLE source_packs (
    period text NOT NULL CHECK (period IN ('day', 'month')),
    bucket timestamptz NOT NULL,
    data bytea,
    PRIMARY KEY (period, bucket)
);

ALTER TABLE source_packs ALTER COLUMN data SET STORAGE EXTERNAL;

INSERT INTO source_packs (period, bucket) SELECT DISTINCT 'day', day FROM source_days;
INSERT INTO source_packs (period, bucket) SELECT DISTINCT 'month', month FROM source_months;
