-- 0020: on PostgreSQL, grain states are compressed with lz4 rather than pglz. SQLite does not compress values: nothing
-- to change. Never edit once landed; add a later script instead.

SELECT 1;
