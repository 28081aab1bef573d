-- 0001_init: runs, their event histories, and the task queue.
-- Migrations are immutable once released: change the schema with a new numbered file.
-- {{schema}} is replaced by the validated, quoted schema identifier.

-- One row per workflow run: its identity, status, and the counters that
-- serialise writes to its history (every transition locks this row first).
-- Inputs, results and failures live only in the history (first and last events).
CREATE TABLE {{schema}}.runs (
  run_id          uuid PRIMARY KEY,             -- UUIDv7: time-ordered, so history can be range-partitioned by run for retention
  run_seq         bigint GENERATED ALWAYS AS IDENTITY,
  workflow_id     text NOT NULL,
  workflow_type   text NOT NULL,
  task_queue      text NOT NULL,
  status          text NOT NULL,
  next_event_id   integer NOT NULL,             -- id the next appended event gets; history is 1..next_event_id-1
  processed_upto  integer NOT NULL DEFAULT 0,   -- last event a completed workflow task had seen
  version         bigint NOT NULL DEFAULT 0,    -- bumped by every workflow task completion (optimistic concurrency)
  task_failure    json,                         -- last workflow task failure while running (non-determinism, unknown type)
  task_failures   integer NOT NULL DEFAULT 0,   -- consecutive workflow task failures, for backoff
  cancel_requested boolean NOT NULL DEFAULT false,
  created_at_ms   bigint NOT NULL,
  updated_at_ms   bigint NOT NULL,
  closed_at_ms    bigint,
  CONSTRAINT runs_status_known CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'terminated'))
);
-- Never two running runs for one workflow id.
CREATE UNIQUE INDEX runs_one_running_per_workflow_id ON {{schema}}.runs (workflow_id) WHERE status = 'running';
CREATE INDEX runs_by_workflow_id ON {{schema}}.runs (workflow_id, run_seq DESC);

-- The append-only event history. Event ids are contiguous per run, starting at 1.
CREATE TABLE {{schema}}.history (
  run_id    uuid NOT NULL,
  event_id  integer NOT NULL,
  type      text NOT NULL,
  at_ms     bigint NOT NULL,
  data      json NOT NULL,                       -- json, not jsonb: payloads keep their exact text and key order
  PRIMARY KEY (run_id, event_id)
);

-- The hot queue: what to run next. Rows are deleted when their work is
-- recorded, so the table holds only pending and leased work.
CREATE TABLE {{schema}}.tasks (
  task_id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind                 text NOT NULL,
  queue                text NOT NULL,
  run_id               uuid NOT NULL,
  seq                  integer NOT NULL,            -- the command's sequence number in its run; 0 for workflow tasks
  visible_at_ms        bigint NOT NULL,             -- claimable when visible_at_ms <= now (now is a parameter: the engine's clock)
  lease_token          bigint NOT NULL DEFAULT 0,   -- fencing epoch: bumped by every claim, named by every completion
  lease_expires_at_ms  bigint,
  claimed_at_ms        bigint,
  attempt              integer NOT NULL DEFAULT 0,  -- bumped by every claim: 1 on the first run
  lease_ms             integer NOT NULL,            -- workflow task timeout / activity start-to-close / timer lease
  heartbeat_timeout_ms integer,
  schedule_deadline_ms bigint,                      -- activity schedule-to-close deadline
  retry_initial_ms     double precision NOT NULL DEFAULT 0,
  retry_coefficient    double precision NOT NULL DEFAULT 1,
  retry_max_ms         double precision NOT NULL DEFAULT 0,
  max_attempts         integer NOT NULL DEFAULT 0,  -- 0: unlimited
  spec                 json,                        -- activity type, input and options; timer duration
  heartbeat_details    json,
  last_failure         json,
  scheduled_at_ms      bigint NOT NULL,
  CONSTRAINT tasks_kind_known CHECK (kind IN ('workflow', 'activity', 'timer'))
) WITH (
  -- The table churns (every task is inserted, updated on claim, deleted):
  -- vacuum it early and without throttling so dead tuples do not pile up.
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 500,
  autovacuum_vacuum_cost_delay = 0,
  autovacuum_analyze_scale_factor = 0.02
);
-- The claim index: matches claimTasks' WHERE (kind, queue, visible_at_ms <= now) and ORDER BY visible_at_ms.
CREATE INDEX tasks_claim ON {{schema}}.tasks (kind, queue, visible_at_ms);
-- At most one workflow task per run; new events fold into the pending one.
CREATE UNIQUE INDEX tasks_one_workflow_task_per_run ON {{schema}}.tasks (run_id) WHERE kind = 'workflow';
-- A run's activities and timers, by command sequence (cancellation, close, describe).
CREATE UNIQUE INDEX tasks_by_run ON {{schema}}.tasks (run_id, kind, seq);
