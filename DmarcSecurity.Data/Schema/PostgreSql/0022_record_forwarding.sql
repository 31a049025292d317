-- 0022: a record whose receiver gave an override reason naming a forwarder (mailing_list, forwarded,
-- trusted_forwarder) failed DMARC on the forwarder's path, not as a spoof; the views count it apart. NULL for every
-- other record. Records stored before this script get it from their reasons, named in the same order as at ingestion.
-- Never edit once landed; add a later script instead.

ALTER TABLE records ADD COLUMN forwarding text NULL;

UPDATE records r
SET forwarding = (
    SELECT k.kind
    FROM (VALUES (1, 'mailing_list'), (2, 'forwarded'), (3, 'trusted_forwarder')) AS k (rank, kind)
    WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(r.reasons) e WHERE lower(btrim(e ->> 'type')) = k.kind)
    ORDER BY k.rank
    LIMIT 1)
WHERE r.reasons IS NOT NULL AND jsonb_typeof(r.reasons) = 'array';
