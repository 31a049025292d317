-- 0009: silos are members of an Orleans cluster now (membership in Redis, or in the one localhost silo), and
-- partitions are Orleans grains: the runtime's own membership table goes. Never edit once landed; add a later script.

DROP TABLE IF EXISTS silo_members;
