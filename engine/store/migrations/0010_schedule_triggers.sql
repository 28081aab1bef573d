-- 0010_schedule_triggers: each manual trigger of a schedule gets a number
-- (1-based, per schedule), and its workflow id carries it
-- (<prefix>-<fire time>-trigger-<n>), so a trigger at exactly a fire time no
-- longer takes that fire's workflow id (<prefix>-<fire time>). A buffered
-- trigger's fire keeps its number: buffered holds a number for a spec fire
-- and {"atMs", "trigger"} for a trigger's.
ALTER TABLE {{schema}}.schedules ADD COLUMN triggers bigint NOT NULL DEFAULT 0;
