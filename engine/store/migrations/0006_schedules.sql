-- 0006_schedules: schedules start workflows on cron expressions and intervals.
-- Each schedule has one timer-kind task (run_id = the schedule's task_run_id,
-- seq 0, on its action's task queue) due at its next fire; a round of firing
-- locks the schedule's row, starts what is due and moves the task on, in one
-- transaction. Runs a schedule started carry its id (kept by continue-as-new),
-- and their close wakes the schedule when fires wait for them.
CREATE TABLE {{schema}}.schedules (
  schedule_id       text PRIMARY KEY,
  task_run_id       uuid NOT NULL UNIQUE,            -- the run_id its task row carries; no run has it
  spec              json NOT NULL,                   -- cron expressions, intervals, start/end bounds (checked by the engine)
  action            json NOT NULL,                   -- the workflow a fire starts: type, task queue, input, id prefix, search attributes
  overlap           text NOT NULL,
  catchup_window_ms bigint NOT NULL,
  pause_on_failure  boolean NOT NULL DEFAULT false,
  paused            boolean NOT NULL DEFAULT false,
  note              text NOT NULL DEFAULT '',
  processed_upto_ms bigint NOT NULL,                 -- every fire time at or before this is handled (started, buffered, skipped or missed)
  buffered          jsonb NOT NULL DEFAULT '[]',     -- fire times waiting for the running workflows to close, oldest first
  actions           bigint NOT NULL DEFAULT 0,       -- workflows started
  skipped           bigint NOT NULL DEFAULT 0,       -- fires the overlap policy dropped
  missed            bigint NOT NULL DEFAULT 0,       -- fires older than the catch-up window when their turn came
  start_failed      bigint NOT NULL DEFAULT 0,       -- fires whose workflow id already had a running run
  recent            json NOT NULL DEFAULT '[]',      -- the latest actions, newest first
  created_at_ms     bigint NOT NULL,
  updated_at_ms     bigint NOT NULL,
  CONSTRAINT schedules_overlap_known CHECK (overlap IN ('skip', 'bufferOne', 'bufferAll', 'cancelOther', 'terminateOther', 'allowAll'))
);
ALTER TABLE {{schema}}.runs ADD COLUMN schedule_id text;
-- A schedule's running workflows (overlap policies, describe).
CREATE INDEX runs_running_by_schedule ON {{schema}}.runs (schedule_id) WHERE schedule_id IS NOT NULL AND status = 'running';
