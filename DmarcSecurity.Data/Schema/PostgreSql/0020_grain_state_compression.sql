-- 0020: grain states are rewritten with every batch, and a domain's (its known senders and open alerts) reaches a
-- megabyte, which PostgreSQL compresses on every write. lz4 compresses several times faster than the default pglz.
-- A server built without lz4 keeps pglz. Existing rows keep their compression until rewritten. Never edit once
-- landed; add a later script instead.

DO $$
BEGIN
    ALTER TABLE grain_states ALTER COLUMN state SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END $$;
