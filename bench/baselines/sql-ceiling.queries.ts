/**
 * The raw SQL ceiling's statements: what a durable queue runs per task, with
 * no engine around it. The table is Ratchet's tasks table
 * (engine/store/migrations/0001_init.sql: same columns, indexes and
 * autovacuum settings), so row width and index upkeep match; the statements
 * are the same kind as engine/store/queries.ts runs (claimTasks: a
 * FOR UPDATE SKIP LOCKED batch that bumps the lease; deleteLeasedTask: a
 * delete fenced by the lease token), minus everything an engine adds (run
 * rows, history, the next-visible probe, NOTIFY).
 *
 * Pure builders returning {name, text, values}: named, so node-postgres
 * prepares each once per connection, as a tuned engine would. The only
 * identifier spliced into text is the run's schema, made by runIdentifier()
 * and quoted by quoteIdentifier().
 */
import { quoteIdentifier } from "./settings.ts";

export interface Plan {
  name: string;
  text: string;
  values: unknown[];
}

/** The one queue name the ceiling uses (a parameter, like Ratchet's task queues). */
export const CEILING_QUEUE = "bench";
/** Lease of a claimed row; long enough that no lease expires during a run. */
export const CEILING_LEASE_MS = 300_000;

export class CeilingQueries {
  private readonly s: string;

  constructor(readonly schema: string) {
    this.s = quoteIdentifier(schema);
  }

  /** The schema and Ratchet's tasks table, as 0001_init.sql creates it. */
  createSchema(): string {
    return `CREATE SCHEMA ${this.s};
CREATE TABLE ${this.s}.tasks (
  task_id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind                 text NOT NULL,
  queue                text NOT NULL,
  run_id               uuid NOT NULL,
  seq                  integer NOT NULL,
  visible_at_ms        bigint NOT NULL,
  lease_token          bigint NOT NULL DEFAULT 0,
  lease_expires_at_ms  bigint,
  claimed_at_ms        bigint,
  attempt              integer NOT NULL DEFAULT 0,
  lease_ms             integer NOT NULL,
  heartbeat_timeout_ms integer,
  schedule_deadline_ms bigint,
  retry_initial_ms     double precision NOT NULL DEFAULT 0,
  retry_coefficient    double precision NOT NULL DEFAULT 1,
  retry_max_ms         double precision NOT NULL DEFAULT 0,
  max_attempts         integer NOT NULL DEFAULT 0,
  spec                 json,
  heartbeat_details    json,
  last_failure         json,
  scheduled_at_ms      bigint NOT NULL,
  CONSTRAINT tasks_kind_known CHECK (kind IN ('workflow', 'activity', 'timer'))
) WITH (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 500,
  autovacuum_vacuum_cost_delay = 0,
  autovacuum_analyze_scale_factor = 0.02
);
CREATE INDEX tasks_claim ON ${this.s}.tasks (kind, queue, visible_at_ms);
CREATE UNIQUE INDEX tasks_one_workflow_task_per_run ON ${this.s}.tasks (run_id) WHERE kind = 'workflow';
CREATE UNIQUE INDEX tasks_by_run ON ${this.s}.tasks (run_id, kind, seq);`;
  }

  /** Fresh statistics once the queue is filled (autovacuum would get there, later). */
  analyze(): string {
    return `ANALYZE ${this.s}.tasks`;
  }

  dropSchema(): string {
    return `DROP SCHEMA IF EXISTS ${this.s} CASCADE`;
  }

  /**
   * Rows as one-activity workflows or 10-step chains would start them: each
   * its own run, seq 1. One statement for `count` rows.
   */
  insertRuns(nowMs: number, count: number, specJson: string): Plan {
    return {
      name: "insertRuns",
      text: `INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, spec, scheduled_at_ms)
             SELECT 'activity', $1, gen_random_uuid(), 1, $2::bigint, $3, $4::json, $2::bigint FROM generate_series(1, $5::integer)`,
      values: [CEILING_QUEUE, nowMs, CEILING_LEASE_MS, specJson, count],
    };
  }

  /** One workflow fanning out `count` activities: one run, seq 1..count, one statement (Ratchet's insertTasks). */
  insertFanout(nowMs: number, count: number, specJson: string): Plan {
    return {
      name: "insertFanout",
      text: `INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, spec, scheduled_at_ms)
             SELECT 'activity', $1, r.run_id, g, $2::bigint, $3, $4::json, $2::bigint
             FROM (SELECT gen_random_uuid() AS run_id) r, generate_series(1, $5::integer) g`,
      values: [CEILING_QUEUE, nowMs, CEILING_LEASE_MS, specJson, count],
    };
  }

  /**
   * Roughly how many rows wait or are leased: task ids are handed out in
   * order and rows leave from the front, so max - min spans the live rows
   * (two index probes, however deep the queue). The producer's control
   * signal only, never a measurement.
   */
  queueDepth(): Plan {
    return { name: "queueDepth", text: `SELECT coalesce(max(task_id) - min(task_id) + 1, 0)::integer AS depth FROM ${this.s}.tasks`, values: [] };
  }

  /**
   * Lease up to `limit` visible rows (Ratchet's claimTasks without the
   * next-visible probe): the inner SELECT matches tasks_claim, SKIP LOCKED
   * lets claimers pass each other, and the claim bumps the fencing token and
   * hides the row until its lease ends.
   */
  claim(nowMs: number, limit: number): Plan {
    return {
      name: "claim",
      text: `WITH candidates AS (
               SELECT task_id FROM ${this.s}.tasks
               WHERE kind = 'activity' AND queue = $1 AND visible_at_ms <= $2::bigint
               ORDER BY visible_at_ms
               LIMIT $3
               FOR UPDATE SKIP LOCKED
             )
             UPDATE ${this.s}.tasks t SET
               lease_token = t.lease_token + 1,
               attempt = t.attempt + 1,
               claimed_at_ms = $2::bigint,
               lease_expires_at_ms = $2::bigint + t.lease_ms,
               visible_at_ms = $2::bigint + t.lease_ms
             FROM candidates c
             WHERE t.task_id = c.task_id
             RETURNING t.task_id, t.lease_token, t.seq, t.scheduled_at_ms`,
      values: [CEILING_QUEUE, nowMs, limit],
    };
  }

  /** Complete one row: delete it if the lease is still ours (Ratchet's deleteLeasedTask). */
  completeOne(taskId: string, leaseToken: string): Plan {
    return {
      name: "completeOne",
      text: `DELETE FROM ${this.s}.tasks WHERE task_id = $1 AND lease_token = $2`,
      values: [taskId, leaseToken],
    };
  }

  /** Complete a claimed batch in one statement, each row fenced by its own lease token. */
  completeBatch(taskIds: string[], leaseTokens: string[]): Plan {
    return {
      name: "completeBatch",
      text: `DELETE FROM ${this.s}.tasks t USING unnest($1::bigint[], $2::bigint[]) AS d(task_id, lease_token)
             WHERE t.task_id = d.task_id AND t.lease_token = d.lease_token`,
      values: [taskIds, leaseTokens],
    };
  }

  /**
   * Complete a claimed batch of steps and enqueue each chain's next step in
   * the same statement (so the same transaction: the completion and the next
   * task commit together, as in a durable engine). Returns how many rows
   * were completed.
   */
  completeSteps(taskIds: string[], leaseTokens: string[], nowMs: number, depth: number): Plan {
    return {
      name: "completeSteps",
      text: `WITH done AS (
               DELETE FROM ${this.s}.tasks t USING unnest($1::bigint[], $2::bigint[]) AS d(task_id, lease_token)
               WHERE t.task_id = d.task_id AND t.lease_token = d.lease_token
               RETURNING t.queue, t.run_id, t.seq, t.lease_ms, t.spec
             ), next AS (
               INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, spec, scheduled_at_ms)
               SELECT 'activity', queue, run_id, seq + 1, $3::bigint, lease_ms, spec, $3::bigint FROM done WHERE seq < $4
               RETURNING 1
             )
             SELECT (SELECT count(*) FROM done)::integer AS completed`,
      values: [taskIds, leaseTokens, nowMs, depth],
    };
  }

  /** A row's activity spec, as Ratchet stores one (type, options, input), with `payloadBytes` of input. */
  static spec(payloadBytes: number): string {
    return JSON.stringify({ activityType: "noop", workflowId: "bench", options: { startToCloseTimeoutMs: CEILING_LEASE_MS }, input: "x".repeat(payloadBytes) });
  }
}
