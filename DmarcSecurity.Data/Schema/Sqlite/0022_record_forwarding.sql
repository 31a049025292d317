-- 0022: a record whose receiver gave an override reason naming a forwarder (mailing_list, forwarded,
-- trusted_forwarder) failed DMARC on the forwarder's path, not as a spoof; the views count it apart. NULL for every
-- other record. Records stored before this script get it from their reasons, named in the same order as at ingestion.
-- Never edit once landed; add a later script instead.

ALTER TABLE records ADD COLUMN forwarding TEXT NULL;

UPDATE records
SET forwarding = (
    SELECT k.kind
    FROM (SELECT 1 AS rank, 'mailing_list' AS kind UNION ALL SELECT 2, 'forwarded' UNION ALL SELECT 3, 'trusted_forwarder') k
    WHERE EXISTS (SELECT 1 FROM json_each(records.reasons) e WHERE lower(trim(json_extract(e.value, '$.type'))) = k.kind)
    ORDER BY k.rank
    LIMIT 1)
WHERE reasons IS NOT NULL AND json_valid(reasons) AND json_type(reasons) = 'array';
