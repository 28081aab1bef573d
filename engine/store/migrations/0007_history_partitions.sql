-- 0007_history_partitions: history becomes a table partitioned by run id
-- range, so retention removes a window of closed runs' history by dropping
-- its partition rather than deleting its rows (engine/store/history-partitions.ts).
-- Run ids are UUIDv7, so a run id range is a creation time range, and every
-- event of a run lives in the partition of its run id.
--
-- The existing table is kept, not copied: it becomes the partition of every
-- run id from the lowest up to just above its newest (attaching reads it once
-- to check that bound; nothing is rewritten). Empty, it is dropped instead.
-- A DEFAULT partition takes any run id no window covers, so an insert never
-- fails for lack of a partition; maintenance creates windows ahead of time
-- and moves any rows the default holds in their range into them.
--
-- The migrator splits statements at a `;` that ends a line: inside the DO
-- block each statement's `;` is followed by a comment, so the block stays whole.
ALTER TABLE {{schema}}.history RENAME TO history_migrated;
ALTER INDEX {{schema}}.history_pkey RENAME TO history_migrated_pkey;
-- The same columns and primary key (run_id, event_id) as the table it replaces (0001_init).
CREATE TABLE {{schema}}.history (LIKE {{schema}}.history_migrated INCLUDING ALL) PARTITION BY RANGE (run_id);
CREATE TABLE {{schema}}.history_default PARTITION OF {{schema}}.history DEFAULT;
DO $$
DECLARE
  newest uuid; -- the highest run id with history
  above_ms text; -- the millisecond after its creation time, as 12 hex digits
BEGIN
  SELECT run_id INTO newest FROM {{schema}}.history_migrated ORDER BY run_id DESC LIMIT 1; -- the primary key, backwards: one row read
  IF newest IS NULL THEN
    DROP TABLE {{schema}}.history_migrated; -- a new database: nothing to keep
  ELSE
    above_ms := lpad(to_hex(('x' || left(replace(newest::text, '-', ''), 12))::bit(48)::bigint + 1), 12, '0'); -- UUIDv7: the first 48 bits are milliseconds
    EXECUTE format('ALTER TABLE {{schema}}.history ATTACH PARTITION {{schema}}.history_migrated FOR VALUES FROM (MINVALUE) TO (%L)',
                   left(above_ms, 8) || '-' || right(above_ms, 4) || '-0000-0000-000000000000'); -- the lowest UUIDv7 of that millisecond
  END IF; -- end
END
$$;
