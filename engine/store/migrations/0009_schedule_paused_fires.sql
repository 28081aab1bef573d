-- 0009_schedule_paused_fires: fires whose turn came while a schedule was
-- paused are never run (as in Temporal), but they are now counted, so
-- describe accounts for every fire time of the spec: started, skipped by the
-- overlap policy, missed (catch-up window), refused, waiting, or skipped
-- while paused.
ALTER TABLE {{schema}}.schedules ADD COLUMN skipped_while_paused bigint NOT NULL DEFAULT 0;
