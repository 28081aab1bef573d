/**
 * Every SQL statement the engine runs, as named, pure builders returning
 * {name, text, values}. One name runs from the Store method to the statement
 * (`claimTasks` here, `claimTasks` in the store). Values are always
 * parameters; the only identifier spliced into text is the schema, validated
 * and quoted by schemaIdentifier(). Time is always a parameter ($now) from the
 * engine's Clock, never now() in a predicate, so the simulator controls it.
 */
import type { Sql } from "../db/driver.ts";
import { jsonNumber } from "../history/events.ts";
import { schemaIdentifier } from "../names.ts";
import { ScheduleQueries } from "./schedule-queries.ts";

export type TaskKind = "workflow" | "activity" | "timer";

/** The tables queue maintenance looks after; the map keeps their names out of the SQL text's inputs. */
const MAINTAINED_TABLES = { tasks: "tasks", runs: "runs", history: "history" } as const;
export type MaintainedTable = keyof typeof MAINTAINED_TABLES;

/** Exponent cap in the backoff expression, so power() never overflows a float8 (100^100 < 1e308). */
const BACKOFF_EXPONENT_MAX = 100;

/**
 * A PostgreSQL array literal for one text parameter, cast in the statement
 * (`$1::uuid[]`). Sets of keys travel as arrays rather than JSON because the
 * planner sizes `= ANY(array)` and `unnest(array)` by their length, while a
 * json_to_recordset is always guessed at 100 rows — which, measured with
 * auto_explain, turned lookups of a few runs into hash joins over sequential
 * scans of the whole runs and tasks tables. Every element is quoted, so any
 * text is safe; null becomes NULL.
 */
export function pgArray(values: ReadonlyArray<string | number | bigint | null>): string {
  return `{${values.map((v) => (v === null ? "NULL" : pgElement(String(v)))).join(",")}}`;
}

/** One quoted element of an array literal (quotes and backslashes escaped; most text has neither, and skips the regex). */
function pgElement(v: string): string {
  return v.indexOf('"') < 0 && v.indexOf("\\") < 0 ? `"${v}"` : `"${v.replace(/[\\"]/g, "\\$&")}"`;
}

/**
 * pgArray for numbers, which need no quotes (what the statements' hottest
 * columns carry); null and undefined become NULL. Throws on NaN or Infinity
 * rather than hand the server a value no integer column takes.
 */
export function pgNumberArray(values: ReadonlyArray<number | null | undefined>): string {
  return `{${values.map(pgNumber).join(",")}}`;
}

function pgNumber(v: number | null | undefined): string {
  return v === null || v === undefined ? "NULL" : jsonNumber(v);
}

/*
 * Rows written in bulk (history events, task rows) travel as parallel
 * arrays, one per column, read with ROWS FROM (unnest(...), ...), and their
 * JSON documents as one JSON array read with json_array_elements, which
 * hands each element over as the json text it is: parsed once. The JSON
 * rows these statements used to take (json_to_recordset) cost the server a
 * hash table per row and a second parse of every JSON column. Measured on
 * batches shaped like the steps workload's (85 runs, statements alternated
 * in one session): 1.58 → 1.20 ms to append their history, 1.53 → 1.28 ms
 * to insert their tasks; the steps workload, five alternated pairs of 10 s
 * windows: 10.5k → 11.3k steps/s, Postgres 83 → 75 µs and Node 93 → 88 µs
 * of CPU per step.
 */

/**
 * History events to append, gathered column by column as they are added
 * (each value already as its array element; data as the JSON text it is).
 */
export class EventColumns {
  private readonly runIds: string[] = [];
  private readonly eventIds: string[] = [];
  private readonly types: string[] = [];
  private readonly atMs: string[] = [];
  private readonly data: string[] = [];

  get length(): number {
    return this.runIds.length;
  }

  push(runId: string, eventId: number, type: string, atMs: number, dataJson: string): void {
    this.runIds.push(pgElement(runId));
    this.eventIds.push(pgNumber(eventId));
    this.types.push(pgElement(type));
    this.atMs.push(pgNumber(atMs));
    this.data.push(dataJson);
  }

  /** The FROM item reading them as e(run_id, event_id, type, at_ms, data), their parameters numbered from $`first` (see params). */
  static rowsFrom(first: number): string {
    const [a, b, c, d, e] = [first, first + 1, first + 2, first + 3, first + 4];
    return `ROWS FROM (unnest($${a}::uuid[]), unnest($${b}::integer[]), unnest($${c}::text[]), unnest($${d}::bigint[]), json_array_elements($${e}::json))
              AS e(run_id, event_id, type, at_ms, data)`;
  }

  params(): string[] {
    return [`{${this.runIds.join(",")}}`, `{${this.eventIds.join(",")}}`, `{${this.types.join(",")}}`, `{${this.atMs.join(",")}}`, `[${this.data.join(",")}]`];
  }
}

/** An activity or timer task to insert (insertTasksOfRuns): its spec as the JSON text it already is. */
export interface TaskRow {
  kind: TaskKind;
  queue: string;
  seq: number;
  visible_at_ms: number;
  lease_ms: number;
  heartbeat_timeout_ms: number | null;
  schedule_deadline_ms: number | null;
  retry_initial_ms: number;
  retry_coefficient: number;
  retry_max_ms: number;
  max_attempts: number;
  specJson: string;
}

/** Task rows of many runs to insert, gathered column by column as they are added (see EventColumns). */
export class TaskColumns {
  private readonly columns: string[][] = Array.from({ length: 14 }, () => []);
  private readonly specs: string[] = [];

  get length(): number {
    return this.specs.length;
  }

  /** `eager`: the row is inserted already claimed by the worker recording it. */
  push(t: TaskRow, runId: string, fairnessKey: string, eager: boolean): void {
    const c = this.columns;
    c[0]!.push(pgElement(t.kind));
    c[1]!.push(pgElement(t.queue));
    c[2]!.push(pgElement(runId));
    c[3]!.push(pgNumber(t.seq));
    c[4]!.push(pgNumber(t.visible_at_ms));
    c[5]!.push(pgNumber(t.lease_ms));
    c[6]!.push(pgNumber(t.heartbeat_timeout_ms));
    c[7]!.push(pgNumber(t.schedule_deadline_ms));
    c[8]!.push(pgNumber(t.retry_initial_ms));
    c[9]!.push(pgNumber(t.retry_coefficient));
    c[10]!.push(pgNumber(t.retry_max_ms));
    c[11]!.push(pgNumber(t.max_attempts));
    c[12]!.push(pgElement(fairnessKey));
    c[13]!.push(eager ? "t" : "f");
    this.specs.push(t.specJson);
  }

  /** $2..$15 of insertTasksOfRuns, and $16 (whether each row is eager) when `eager`. */
  params(eager: boolean): string[] {
    const literal = (i: number) => `{${this.columns[i]!.join(",")}}`;
    const params = Array.from({ length: 12 }, (_, i) => literal(i));
    params.push(`[${this.specs.join(",")}]`, literal(12));
    if (eager) params.push(literal(13));
    return params;
  }
}

/**
 * When a claim made at `nowMs` expires, for a task row `row`: its lease (the
 * heartbeat timeout when shorter), capped by its schedule-to-close deadline
 * (least() skips NULLs). Used by claims and by eager activity dispatch.
 */
function leaseExpiry(nowMs: string, row: string): string {
  return `least(${nowMs} + least(${row}.heartbeat_timeout_ms, ${row}.lease_ms), ${row}.schedule_deadline_ms)`;
}

/**
 * Where a claimed task hides until: its lease expiry plus the retry backoff
 * the next attempt would wait (none before the last attempt), capped by its
 * deadline — so an expired lease is a retry that comes due by itself.
 * `attemptBefore` is the attempt count before this claim.
 */
function claimedVisibleAt(nowMs: string, row: string, attemptBefore: string): string {
  const backoff = `CASE WHEN ${row}.max_attempts > 0 AND ${attemptBefore} + 1 >= ${row}.max_attempts THEN 0
                        ELSE ceil(least(${row}.retry_initial_ms * power(${row}.retry_coefficient, least(${attemptBefore}, ${BACKOFF_EXPONENT_MAX})), ${row}.retry_max_ms))::bigint END`;
  return `least(${leaseExpiry(nowMs, row)} + ${backoff}, ${row}.schedule_deadline_ms)`;
}

/** What a claim returns of each task (toClaimedTask reads it). */
const CLAIMED_COLUMNS = `task_id, kind, queue, run_id, seq, lease_token, attempt, claimed_at_ms, lease_expires_at_ms,
  lease_ms, heartbeat_timeout_ms, schedule_deadline_ms, max_attempts, spec, heartbeat_details, last_failure, scheduled_at_ms`;

/**
 * Where a workflow task that continues a run (after an activity result, a
 * timer, a signal, or events that arrived while it ran) joins its queue: at
 * its run's start time, not at the back. Claims take the oldest visible task
 * first, so runs already under way finish before newer ones start — the job
 * Temporal's sticky queues do. Without it a backlog of N new workflows
 * starved every started one: its next workflow task waited behind all N
 * (measured: 0 workflows completed in a 10 s window with 100k waiting).
 * The task is visible at once either way; only its place in line changes.
 */
function workflowTaskQueuePosition(nowMs: string, runCreatedAtMs: string): string {
  return `least(${nowMs}, ${runCreatedAtMs})`;
}

/** (task_id, lease_token) pairs as two parallel arrays, for unnest($1::bigint[], $2::bigint[]). */
/** A statement without a name: drivers do not prepare it, so each execution is planned for its values. */
function unnamed(sql: Sql): Sql {
  return { text: sql.text, values: sql.values };
}

/** What listRuns filters on (time is the run id range it is given). */
export interface RunListFilter {
  workflowType?: string;
  status?: string;
  /** Containment: the runs whose search attributes include these (JSON text). */
  searchAttributesJson?: string;
}

export interface LeasedTaskKey {
  task_id: number;
  lease_token: number;
}
function leaseArrays(items: readonly LeasedTaskKey[]): [string, string] {
  return [pgArray(items.map((i) => i.task_id)), pgArray(items.map((i) => i.lease_token))];
}

/** One run's row after a batch of decisions (status set only when they close it). */
export interface RunAdvance {
  run_id: string;
  next_event_id: number;
  version: number;
  processed_upto: number;
  status: string | null;
}

export class Queries {
  readonly s: string;
  private readonly prefix: string;
  /** Schedules' statements (schedule-queries.ts). */
  readonly schedules: ScheduleQueries;

  constructor(readonly schema: string) {
    this.s = schemaIdentifier(schema);
    this.prefix = `rt_${schema}_`;
    this.schedules = new ScheduleQueries(this.s, (name, text, values) => this.q(name, text, values));
  }

  /**
   * The history insert every append statement shares: $1 run id, $2 first
   * event id, $3 time, $4 a JSON array of {type, data}; ids are contiguous.
   */
  private get insertEvents(): string {
    return `INSERT INTO ${this.s}.history (run_id, event_id, type, at_ms, data)
         SELECT $1, $2::integer + e.ord - 1, e.value->>'type', $3::bigint, e.value->'data'
         FROM json_array_elements($4::json) WITH ORDINALITY AS e(value, ord)
         RETURNING event_id`;
  }

  /**
   * A named statement. Its text opens with its name as a comment, so the
   * server's views name it too: pg_stat_statements (the bench harness's
   * per-statement profile), pg_stat_activity, auto_explain and the log.
   */
  private q(name: string, text: string, values: readonly unknown[]): Sql {
    return { name: this.prefix + name, text: `/* ${name} */ ${text}`, values };
  }

  // -- runs ------------------------------------------------------------------

  insertRun(runId: string, workflowId: string, workflowType: string, taskQueue: string, nowMs: number, requestId: string | null, searchAttributesJson: string | null, fairnessKey: string): Sql {
    return this.q(
      "insertRun",
      `INSERT INTO ${this.s}.runs (run_id, workflow_id, workflow_type, task_queue, status, next_event_id, created_at_ms, updated_at_ms, start_request_id, search_attributes, fairness_key)
       VALUES ($1, $2, $3, $4, 'running', 1, $5, $5, $6, $7::jsonb, $8)
       ON CONFLICT (workflow_id) WHERE status = 'running' DO NOTHING
       RETURNING run_id`,
      [runId, workflowId, workflowType, taskQueue, nowMs, requestId, searchAttributesJson, fairnessKey],
    );
  }

  /**
   * Visibility: runs matching a filter, newest first (by run id: UUIDv7, so
   * by creation time), from run id `below` down to `from`. One statement per
   * combination of filters present, so each has its own plan and the
   * indexes (runs_by_type, runs_by_status_type, the search attributes' GIN
   * index, the primary key for time alone) are used. `count` returns the
   * number of matches instead of the rows.
   */
  listRuns(f: RunListFilter, from: string, below: string, limit: number, count: boolean, candidatesMax?: number): Sql {
    const values: unknown[] = [from, below];
    const where = ["run_id >= $1::uuid", "run_id < $2::uuid"];
    let shape = "";
    if (f.workflowType !== undefined) {
      values.push(f.workflowType);
      where.push(`workflow_type = $${values.length}`);
      shape += "t";
    }
    if (f.status !== undefined) {
      values.push(f.status);
      where.push(`status = $${values.length}`);
      shape += "s";
    }
    if (f.searchAttributesJson !== undefined) {
      values.push(f.searchAttributesJson);
      where.push(`search_attributes @> $${values.length}::jsonb`, "search_attributes IS NOT NULL");
      shape += "a";
    }
    // Unnamed, so never prepared: a generic plan cannot see how wide the run id range or how rare the
    // status is, and measured at a million runs it chose a primary-key scan (510 ms) over the
    // status index (9 ms). Planning each time costs about a millisecond.
    if (count) return unnamed(this.q(`countRuns_${shape || "all"}`, `SELECT count(*)::bigint AS n FROM ${this.s}.runs WHERE ${where.join(" AND ")}`, values));
    if (candidatesMax !== undefined) {
      // Every match through the attributes' GIN index (up to candidatesMax + 1 of them), then the newest:
      // the planner prices containment at a fixed 0.1% and would otherwise walk the primary key backwards,
      // which for a rare attribute is most of the table. `candidates` says whether the cap cut the scan short.
      values.push(candidatesMax + 1, limit);
      const inner = `SELECT ${this.runColumns} FROM ${this.s}.runs WHERE ${where.join(" AND ")} LIMIT $${values.length - 1}`;
      return unnamed(this.q(`listRunsByAttributes_${shape}`, `SELECT *, count(*) OVER () AS candidates FROM (${inner}) r ORDER BY run_id DESC LIMIT $${values.length}`, values));
    }
    values.push(limit);
    return unnamed(this.q(`listRuns_${shape || "all"}`, `SELECT ${this.runColumns} FROM ${this.s}.runs WHERE ${where.join(" AND ")} ORDER BY run_id DESC LIMIT $${values.length}`, values));
  }

  /** Merge search attributes into runs' ($1: JSON rows of run_id and attrs). */
  upsertSearchAttributes(rowsJson: string): Sql {
    return this.q(
      "upsertSearchAttributes",
      `UPDATE ${this.s}.runs r SET search_attributes = coalesce(r.search_attributes, '{}'::jsonb) || x.attrs
       FROM json_to_recordset($1::json) AS x(run_id uuid, attrs jsonb) WHERE r.run_id = x.run_id`,
      [rowsJson],
    );
  }

  /** Whether a run is still running, and whether its workflow cancelled activity `seq` (for a heartbeat that lost its lease). */
  activityFate(runId: string, seq: number): Sql {
    return this.q(
      "activityFate",
      `SELECT r.status,
              EXISTS (SELECT 1 FROM ${this.s}.history h
                      WHERE h.run_id = r.run_id AND h.type = 'ActivityCancelled' AND (h.data->>'seq')::integer = $2) AS cancelled
       FROM ${this.s}.runs r WHERE r.run_id = $1`,
      [runId, seq],
    );
  }

  selectRunByStartRequest(workflowId: string, requestId: string): Sql {
    return this.q("selectRunByStartRequest", `SELECT run_id FROM ${this.s}.runs WHERE workflow_id = $1 AND start_request_id = $2`, [workflowId, requestId]);
  }

  /** Close a run from outside its workflow code (termination): status, close time, and a version bump that voids decisions in flight. */
  closeRun(runId: string, status: string, nowMs: number): Sql {
    return this.q(
      "closeRun",
      `UPDATE ${this.s}.runs SET status = $2, closed_at_ms = $3::bigint, updated_at_ms = $3::bigint, version = version + 1 WHERE run_id = $1`,
      [runId, status, nowMs],
    );
  }

  /**
   * Start many runs in one statement: each row of $1 (JSON: run_id,
   * workflow_id, workflow_type, task_queue, data; a child's parent_run_id,
   * parent_workflow_id, parent_seq, parent_close_policy) gets its run, its
   * WorkflowStarted event and its first workflow task, unless its workflow id
   * already has a running run (or appears earlier in the batch). Returns the
   * rows started.
   */
  insertRuns(rowsJson: string, nowMs: number, workflowTaskLeaseMs: number): Sql {
    return this.q(
      "insertRuns",
      `WITH input AS (
         SELECT * FROM json_to_recordset($1::json) AS x(run_id uuid, workflow_id text, workflow_type text, task_queue text, data json,
                                                        parent_run_id uuid, parent_workflow_id text, parent_seq integer, parent_close_policy text,
                                                        search_attributes jsonb, schedule_id text, fairness_key text)
       ), inserted AS (
         INSERT INTO ${this.s}.runs (run_id, workflow_id, workflow_type, task_queue, status, next_event_id, created_at_ms, updated_at_ms,
                                     parent_run_id, parent_workflow_id, parent_seq, parent_close_policy, search_attributes, schedule_id, fairness_key)
         SELECT run_id, workflow_id, workflow_type, task_queue, 'running', 2, $2::bigint, $2::bigint,
                parent_run_id, parent_workflow_id, parent_seq, parent_close_policy, search_attributes, schedule_id, coalesce(fairness_key, '') FROM input
         ON CONFLICT (workflow_id) WHERE status = 'running' DO NOTHING
         RETURNING run_id, workflow_id, task_queue, fairness_key
       ), events AS (
         INSERT INTO ${this.s}.history (run_id, event_id, type, at_ms, data)
         SELECT i.run_id, 1, 'WorkflowStarted', $2::bigint, i.data FROM input i JOIN inserted USING (run_id)
         RETURNING run_id
       ), workflow_tasks AS (
         INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, scheduled_at_ms, fairness_key)
         SELECT 'workflow', task_queue, run_id, 0, $2::bigint, $3, $2::bigint, fairness_key FROM inserted
         RETURNING task_id
       )
       SELECT run_id, workflow_id, task_queue FROM inserted`,
      [rowsJson, nowMs, workflowTaskLeaseMs],
    );
  }

  /**
   * Deliveries to running runs: for each row of $1 (JSON: run_id, seq, spec),
   * a timer-kind task on the run's task queue, visible at $2, whose firing
   * appends the event its spec carries (a child's close, for its parent).
   * A run that is not running gets none; neither does a (run, seq) that
   * already has one. Returns the queues written to (for wakeups).
   */
  insertDeliveries(rowsJson: string, nowMs: number, leaseMs: number): Sql {
    return this.q(
      "insertDeliveries",
      `INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, spec, scheduled_at_ms)
       SELECT 'timer', r.task_queue, x.run_id, x.seq, $2::bigint, $3, x.spec, $2::bigint
       FROM json_to_recordset($1::json) AS x(run_id uuid, seq integer, spec json)
       JOIN ${this.s}.runs r ON r.run_id = x.run_id AND r.status = 'running'
       ON CONFLICT (run_id, kind, seq) DO NOTHING
       RETURNING queue`,
      [rowsJson, nowMs, leaseMs],
    );
  }

  /**
   * Parent close policies: for each running child of the (just closed) runs
   * in $1 whose policy is not abandon, a timer-kind task of the parent, seq
   * minus the child's, on the parent's queue: its firing terminates the
   * child or requests its cancellation. Returns the queues written to.
   */
  insertParentCloseActions(parentRunIds: readonly string[], nowMs: number, leaseMs: number): Sql {
    return this.q(
      "insertParentCloseActions",
      `INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, spec, scheduled_at_ms)
       SELECT 'timer', p.task_queue, p.run_id, -c.parent_seq, $2::bigint, $3,
              json_build_object('childAction', c.parent_close_policy, 'workflowId', c.workflow_id,
                                'reason', format('parent workflow %s (run %s) closed as %s; parentClosePolicy %s', p.workflow_id, p.run_id, p.status, c.parent_close_policy)),
              $2::bigint
       FROM ${this.s}.runs c JOIN ${this.s}.runs p ON p.run_id = c.parent_run_id
       WHERE c.parent_run_id = ANY($1::uuid[]) AND c.status = 'running' AND c.parent_close_policy <> 'abandon'
       ON CONFLICT (run_id, kind, seq) DO NOTHING
       RETURNING queue`,
      [pgArray(parentRunIds), nowMs, leaseMs],
    );
  }

  /** Note that the runs in $1 started children (their close then looks for running ones). */
  markParents(runIds: readonly string[]): Sql {
    return this.q("markParents", `UPDATE ${this.s}.runs SET has_children = true WHERE run_id = ANY($1::uuid[]) AND NOT has_children`, [pgArray(runIds)]);
  }

  /** The running run of a child workflow id started by parent run $2 (a continue-as-new chain keeps the parent). */
  lockRunningChild(workflowId: string, parentRunId: string): Sql {
    return this.q(
      "lockRunningChild",
      `SELECT ${this.runColumns} FROM ${this.s}.runs WHERE workflow_id = $1 AND status = 'running' AND parent_run_id = $2 FOR UPDATE`,
      [workflowId, parentRunId],
    );
  }

  selectRunningChild(workflowId: string, parentRunId: string): Sql {
    return this.q(
      "selectRunningChild",
      `SELECT run_id FROM ${this.s}.runs WHERE workflow_id = $1 AND status = 'running' AND parent_run_id = $2`,
      [workflowId, parentRunId],
    );
  }

  /** A parent run's children, newest run of each child workflow id (for describe). */
  selectChildren(parentRunId: string): Sql {
    return this.q(
      "selectChildren",
      `SELECT DISTINCT ON (workflow_id) ${this.runColumns} FROM ${this.s}.runs WHERE parent_run_id = $1 ORDER BY workflow_id, run_seq DESC`,
      [parentRunId],
    );
  }

  selectRunningRuns(workflowIds: readonly string[]): Sql {
    return this.q(
      "selectRunningRuns",
      `SELECT workflow_id, run_id FROM ${this.s}.runs WHERE status = 'running' AND workflow_id = ANY($1::text[])`,
      [pgArray(workflowIds)],
    );
  }

  private readonly runColumns = `run_id, workflow_id, workflow_type, task_queue, status, next_event_id, processed_upto, version,
       task_failure, task_failures, cancel_requested, created_at_ms, updated_at_ms, closed_at_ms, start_request_id,
       parent_run_id, parent_workflow_id, parent_seq, parent_close_policy, has_children, search_attributes, schedule_id, fairness_key`;

  selectRun(runId: string): Sql {
    return this.q("selectRun", `SELECT ${this.runColumns} FROM ${this.s}.runs WHERE run_id = $1`, [runId]);
  }

  /** The newest run of a workflow id (running or not). */
  selectLatestRun(workflowId: string): Sql {
    return this.q("selectLatestRun", `SELECT ${this.runColumns} FROM ${this.s}.runs WHERE workflow_id = $1 ORDER BY run_seq DESC LIMIT 1`, [workflowId]);
  }

  /** The newest runs of a workflow type, newest first (the replay check). */
  selectNewestRunsOfType(workflowType: string, limit: number): Sql {
    return this.q("selectNewestRunsOfType", `SELECT ${this.runColumns} FROM ${this.s}.runs WHERE workflow_type = $1 ORDER BY run_id DESC LIMIT $2`, [workflowType, limit]);
  }

  selectRunningRun(workflowId: string): Sql {
    return this.q("selectRunningRun", `SELECT ${this.runColumns} FROM ${this.s}.runs WHERE workflow_id = $1 AND status = 'running'`, [workflowId]);
  }

  /** Every transition locks its run row first: this fixes the lock order (run, then tasks) and serialises appends. */
  lockRun(runId: string): Sql {
    return this.q("lockRun", `SELECT ${this.runColumns} FROM ${this.s}.runs WHERE run_id = $1 FOR UPDATE`, [runId]);
  }

  lockRunningRun(workflowId: string): Sql {
    return this.q("lockRunningRun", `SELECT ${this.runColumns} FROM ${this.s}.runs WHERE workflow_id = $1 AND status = 'running' FOR UPDATE`, [workflowId]);
  }

  markCancelRequested(runId: string): Sql {
    return this.q("markCancelRequested", `UPDATE ${this.s}.runs SET cancel_requested = true WHERE run_id = $1`, [runId]);
  }

  recordWorkflowTaskFailure(runId: string, failureJson: string): Sql {
    return this.q(
      "recordWorkflowTaskFailure",
      `UPDATE ${this.s}.runs SET task_failure = $2::json, task_failures = task_failures + 1 WHERE run_id = $1 RETURNING task_failures`,
      [runId, failureJson],
    );
  }

  // -- history ---------------------------------------------------------------

  /**
   * Append events (a JSON array of {type, data}) with contiguous ids from
   * `firstEventId`, and advance the run's next_event_id, in one statement.
   * The caller holds the run's lock (lockRun), so ids cannot collide; the
   * primary key would reject it if they did.
   */
  appendEvents(runId: string, firstEventId: number, nowMs: number, eventsJson: string, count: number): Sql {
    return this.q(
      "appendEvents",
      `WITH appended AS (
         ${this.insertEvents}
       )
       UPDATE ${this.s}.runs SET next_event_id = $2::integer + $5::integer, updated_at_ms = $3::bigint WHERE run_id = $1`,
      [runId, firstEventId, nowMs, eventsJson, count],
    );
  }

  /**
   * Append events that a workflow must see (an activity result, a timer, a
   * signal, cancellation, the start) and make sure a workflow task will
   * deliver them, notifying pollers: one statement where it was four round
   * trips. The caller holds the run's lock.
   */
  appendResolution(
    runId: string,
    firstEventId: number,
    nowMs: number,
    eventsJson: string,
    count: number,
    queue: string,
    workflowTaskLeaseMs: number,
    notifyChannel: string | null,
  ): Sql {
    return this.q(
      "appendResolution",
      `WITH appended AS (
         ${this.insertEvents}
       ), bumped AS (
         UPDATE ${this.s}.runs SET next_event_id = $2::integer + $5::integer, updated_at_ms = $3::bigint WHERE run_id = $1
         RETURNING run_id, created_at_ms, fairness_key
       ), ensured AS (
         INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, scheduled_at_ms, fairness_key)
         SELECT 'workflow', $6, $1, 0, ${workflowTaskQueuePosition("$3::bigint", "b.created_at_ms")}, $7, $3::bigint, b.fairness_key FROM bumped b
         ON CONFLICT (run_id) WHERE kind = 'workflow' DO NOTHING
         RETURNING task_id
       )
       SELECT CASE WHEN $8::text IS NOT NULL THEN pg_notify($8::text, 'workflow:' || $6) END AS notified`,
      [runId, firstEventId, nowMs, eventsJson, count, queue, workflowTaskLeaseMs, notifyChannel],
    );
  }

  /**
   * Append a workflow task's decisions and move the run on (version,
   * processed_upto, and its status when the decisions close it), in one
   * statement. The caller holds the run's lock.
   */
  appendDecisions(runId: string, firstEventId: number, nowMs: number, eventsJson: string, count: number, version: number, processedUpTo: number, closeStatus: string | null): Sql {
    return this.q(
      "appendDecisions",
      `WITH appended AS (
         ${this.insertEvents}
       )
       UPDATE ${this.s}.runs SET
         next_event_id = $2::integer + $5::integer,
         updated_at_ms = $3::bigint,
         version = $6,
         processed_upto = $7,
         task_failure = NULL,
         task_failures = 0,
         status = coalesce($8::text, status),
         closed_at_ms = CASE WHEN $8::text IS NULL THEN NULL ELSE $3::bigint END
       WHERE run_id = $1`,
      [runId, firstEventId, nowMs, eventsJson, count, version, processedUpTo, closeStatus],
    );
  }

  /** Lock many runs, in run_id order (every batch takes them in the same order, so batches cannot deadlock). */
  lockRuns(runIds: readonly string[]): Sql {
    return this.q(
      "lockRuns",
      `SELECT ${this.runColumns} FROM ${this.s}.runs
       WHERE run_id = ANY($1::uuid[])
       ORDER BY run_id FOR UPDATE`,
      [pgArray(runIds)],
    );
  }

  /** Delete the tasks whose (task_id, lease_token) pairs in $1 are still current; returns those deleted. */
  deleteLeasedTasks(items: readonly LeasedTaskKey[]): Sql {
    return this.q(
      "deleteLeasedTasks",
      `DELETE FROM ${this.s}.tasks t
       USING unnest($1::bigint[], $2::bigint[]) AS x(task_id, lease_token)
       WHERE t.task_id = x.task_id AND t.lease_token = x.lease_token
       RETURNING t.task_id`,
      leaseArrays(items),
    );
  }

  /**
   * The batch form of appendResolution: append events of many runs ($1: rows
   * of run_id, event_id, type, data), advance each run's next_event_id ($2,
   * $6, $7: parallel arrays of run_id, next_event_id, queue), make sure each
   * has a workflow task, and notify each queue once. The caller holds every
   * run's lock.
   */
  appendResolutions(
    eventsJson: string,
    runs: ReadonlyArray<{ run_id: string; next_event_id: number; queue: string }>,
    nowMs: number,
    workflowTaskLeaseMs: number,
    notifyChannel: string | null,
  ): Sql {
    return this.q(
      "appendResolutions",
      `WITH appended AS (
         INSERT INTO ${this.s}.history (run_id, event_id, type, at_ms, data)
         SELECT e.run_id, e.event_id, e.type, $3::bigint, e.data
         FROM json_to_recordset($1::json) AS e(run_id uuid, event_id integer, type text, data json)
         RETURNING run_id
       ), bumped AS (
         UPDATE ${this.s}.runs r SET next_event_id = x.next_event_id, updated_at_ms = $3::bigint
         FROM unnest($2::uuid[], $6::integer[]) AS x(run_id, next_event_id)
         WHERE r.run_id = x.run_id
         RETURNING r.run_id, r.created_at_ms, r.fairness_key
       ), ensured AS (
         INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, scheduled_at_ms, fairness_key)
         SELECT 'workflow', x.queue, x.run_id, 0, ${workflowTaskQueuePosition("$3::bigint", "b.created_at_ms")}, $4, $3::bigint, b.fairness_key
         FROM unnest($2::uuid[], $7::text[]) AS x(run_id, queue) JOIN bumped b ON b.run_id = x.run_id
         ON CONFLICT (run_id) WHERE kind = 'workflow' DO NOTHING
         RETURNING task_id
       )
       SELECT count(pg_notify($5::text, 'workflow:' || q.queue)) AS notified
       FROM (SELECT DISTINCT queue FROM unnest($7::text[]) AS x(queue)) q
       WHERE $5::text IS NOT NULL`,
      [
        eventsJson,
        pgArray(runs.map((r) => r.run_id)),
        nowMs,
        workflowTaskLeaseMs,
        notifyChannel,
        pgArray(runs.map((r) => r.next_event_id)),
        pgArray(runs.map((r) => r.queue)),
      ],
    );
  }

  /** Lock the tasks whose (task_id, lease_token) pairs in $1 are still current; returns those. */
  lockLeasedTasks(items: readonly LeasedTaskKey[]): Sql {
    return this.q(
      "lockLeasedTasks",
      `SELECT t.task_id FROM ${this.s}.tasks t
       JOIN unnest($1::bigint[], $2::bigint[]) AS x(task_id, lease_token) ON t.task_id = x.task_id AND t.lease_token = x.lease_token
       ORDER BY t.task_id FOR UPDATE OF t`,
      leaseArrays(items),
    );
  }

  /**
   * Many workflow tasks' decisions: append every event ($1..$5, EventColumns
   * — each at its own task's time) and move every run on ($6..$10: parallel
   * arrays of run_id, next_event_id, version, processed_upto, status — status
   * null unless the decisions close the run; $11, the batch's time, stamps
   * updated_at_ms and closed_at_ms). The caller holds every run's lock.
   */
  appendDecisionsBatch(events: EventColumns, runs: readonly RunAdvance[], nowMs: number): Sql {
    return this.q(
      "appendDecisionsBatch",
      `WITH appended AS (
         INSERT INTO ${this.s}.history (run_id, event_id, type, at_ms, data)
         SELECT e.run_id, e.event_id, e.type, e.at_ms, e.data
         FROM ${EventColumns.rowsFrom(1)}
         RETURNING run_id
       )
       UPDATE ${this.s}.runs r SET
         next_event_id = x.next_event_id,
         updated_at_ms = $11::bigint,
         version = x.version,
         processed_upto = x.processed_upto,
         task_failure = NULL,
         task_failures = 0,
         status = coalesce(x.status, r.status),
         closed_at_ms = CASE WHEN x.status IS NULL THEN NULL ELSE $11::bigint END
       FROM unnest($6::uuid[], $7::integer[], $8::bigint[], $9::integer[], $10::text[]) AS x(run_id, next_event_id, version, processed_upto, status)
       WHERE r.run_id = x.run_id`,
      [
        ...events.params(),
        pgArray(runs.map((r) => r.run_id)),
        pgNumberArray(runs.map((r) => r.next_event_id)),
        pgNumberArray(runs.map((r) => r.version)),
        pgNumberArray(runs.map((r) => r.processed_upto)),
        pgArray(runs.map((r) => r.status)),
        nowMs,
      ],
    );
  }

  /**
   * Insert activity and timer tasks of many runs ($2..$15: their columns,
   * the specs as one JSON array; $1, the batch's time, is each task's
   * scheduled time). With `eager`, rows marked eager ($16) are inserted
   * already claimed at $1 (token, attempt, lease and visibility exactly as
   * claimTasks would set them) and returned — their task_id, run_id, seq and
   * lease_expires_at_ms, what the insert assigned — for the worker whose
   * decisions scheduled them (eager activity dispatch).
   */
  insertTasksOfRuns(nowMs: number, rows: TaskColumns, eager = false): Sql {
    const ifEager = (claimed: string, otherwise: string) => (eager ? `CASE WHEN x.eager THEN ${claimed} ELSE ${otherwise} END` : otherwise);
    const insert = `INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, heartbeat_timeout_ms, schedule_deadline_ms,
                                   retry_initial_ms, retry_coefficient, retry_max_ms, max_attempts, spec, scheduled_at_ms,
                                   lease_token, attempt, claimed_at_ms, lease_expires_at_ms, fairness_key)
       SELECT x.kind, x.queue, x.run_id, x.seq, ${ifEager(claimedVisibleAt("$1::bigint", "x", "0"), "x.visible_at_ms")},
              x.lease_ms, x.heartbeat_timeout_ms, x.schedule_deadline_ms,
              x.retry_initial_ms, x.retry_coefficient, x.retry_max_ms, x.max_attempts, x.spec, $1::bigint,
              ${ifEager("1", "0")}, ${ifEager("1", "0")}, ${ifEager("$1::bigint", "NULL")}, ${ifEager(leaseExpiry("$1::bigint", "x"), "NULL")},
              x.fairness_key
       FROM ROWS FROM (unnest($2::text[]), unnest($3::text[]), unnest($4::uuid[]), unnest($5::integer[]), unnest($6::bigint[]), unnest($7::integer[]),
                       unnest($8::integer[]), unnest($9::bigint[]), unnest($10::double precision[]), unnest($11::double precision[]),
                       unnest($12::double precision[]), unnest($13::integer[]), json_array_elements($14::json), unnest($15::text[])${eager ? ", unnest($16::boolean[])" : ""})
         AS x(kind, queue, run_id, seq, visible_at_ms, lease_ms, heartbeat_timeout_ms, schedule_deadline_ms,
              retry_initial_ms, retry_coefficient, retry_max_ms, max_attempts, spec, fairness_key${eager ? ", eager" : ""})`;
    const values = [nowMs, ...rows.params(eager)];
    if (!eager) return this.q("insertTasksOfRuns", insert, values);
    // The caller knows everything else about the tasks it claimed (it planned their rows): only what the insert assigned comes back.
    return this.q(
      "insertTasksOfRunsEager",
      `WITH inserted AS (${insert} RETURNING task_id, run_id, seq, lease_token, lease_expires_at_ms)
       SELECT task_id, run_id, seq, lease_expires_at_ms FROM inserted WHERE lease_token > 0`,
      values,
    );
  }

  /** Delete the tasks named by (run_id, kind, seq) rows in $1 (cancelled activities and timers). */
  deleteTasksBySeq(rows: ReadonlyArray<{ run_id: string; kind: TaskKind; seq: number }>): Sql {
    return this.q(
      "deleteTasksBySeq",
      `DELETE FROM ${this.s}.tasks t USING unnest($1::uuid[], $2::text[], $3::integer[]) AS x(run_id, kind, seq)
       WHERE t.run_id = x.run_id AND t.kind = x.kind AND t.seq = x.seq`,
      [pgArray(rows.map((r) => r.run_id)), pgArray(rows.map((r) => r.kind)), pgArray(rows.map((r) => r.seq))],
    );
  }

  /** A run's events about update $2 of the given types (its request, or its outcome). */
  selectUpdateEvents(runId: string, updateId: string, types: readonly string[]): Sql {
    return this.q(
      "selectUpdateEvents",
      `SELECT event_id, type, at_ms, data FROM ${this.s}.history
       WHERE run_id = $1 AND type = ANY($3::text[]) AND data->>'updateId' = $2 ORDER BY event_id LIMIT 1`,
      [runId, updateId, pgArray(types)],
    );
  }

  /** Delete activity `seq` of a run if no worker has claimed it yet (schedule-to-start); returns it if so. */
  deleteUnstartedActivity(runId: string, seq: number): Sql {
    return this.q(
      "deleteUnstartedActivity",
      `DELETE FROM ${this.s}.tasks WHERE run_id = $1 AND kind = 'activity' AND seq = $2 AND attempt = 0 RETURNING task_id`,
      [runId, seq],
    );
  }

  /** Delete every task of the runs in $1 (closed runs). */
  deleteTasksOfRuns(runIds: readonly string[]): Sql {
    return this.q("deleteTasksOfRuns", `DELETE FROM ${this.s}.tasks WHERE run_id = ANY($1::uuid[])`, [pgArray(runIds)]);
  }

  /** Delete tasks by id (the caller verified and locked their leases in this transaction). */
  deleteTasksById(taskIds: readonly number[]): Sql {
    return this.q("deleteTasksById", `DELETE FROM ${this.s}.tasks WHERE task_id = ANY($1::bigint[])`, [pgArray(taskIds)]);
  }

  /** Hand workflow tasks back, visible now, for the events that arrived while they ran (leases verified by the caller). */
  requeueTasksById(taskIds: readonly number[], nowMs: number): Sql {
    return this.q(
      "requeueTasksById",
      `UPDATE ${this.s}.tasks t SET visible_at_ms = ${workflowTaskQueuePosition("$2::bigint", "r.created_at_ms")}, lease_expires_at_ms = NULL, attempt = 0
       FROM ${this.s}.runs r
       WHERE t.task_id = ANY($1::bigint[]) AND r.run_id = t.run_id`,
      [pgArray(taskIds), nowMs],
    );
  }

  /** NOTIFY each key in $2 on channel $1. */
  notifyKeys(channel: string, keys: readonly string[]): Sql {
    return this.q("notifyKeys", `SELECT count(pg_notify($1, k)) AS notified FROM unnest($2::text[]) AS k`, [channel, pgArray(keys)]);
  }

  /**
   * Runs and their histories after a given event id (parallel arrays of
   * run_id and after), in one round trip: what a batch of workflow tasks loads. A worker
   * that already holds a run's history prefix (histories are append-only)
   * asks only for what came after it.
   */
  selectRunsWithHistory(runs: ReadonlyArray<{ run_id: string; after: number }>): Sql {
    return this.q(
      "selectRunsWithHistory",
      `SELECT ${this.runColumns.replace(/(\w+)/g, "r.$1")},
              (SELECT json_agg(json_build_object('eventId', h.event_id, 'type', h.type, 'atMs', h.at_ms, 'data', h.data) ORDER BY h.event_id)
               FROM ${this.s}.history h WHERE h.run_id = r.run_id AND h.event_id > x.after) AS events
       FROM unnest($1::uuid[], $2::integer[]) AS x(run_id, after)
       JOIN ${this.s}.runs r ON r.run_id = x.run_id`,
      [pgArray(runs.map((r) => r.run_id)), pgArray(runs.map((r) => r.after))],
    );
  }

  /** A run and its whole history in one round trip (what a workflow task loads). */
  selectRunWithHistory(runId: string): Sql {
    return this.q(
      "selectRunWithHistory",
      `SELECT ${this.runColumns},
              (SELECT json_agg(json_build_object('eventId', h.event_id, 'type', h.type, 'atMs', h.at_ms, 'data', h.data) ORDER BY h.event_id)
               FROM ${this.s}.history h WHERE h.run_id = r.run_id) AS events
       FROM ${this.s}.runs r WHERE r.run_id = $1`,
      [runId],
    );
  }

  selectHistory(runId: string, afterEventId: number, limit: number): Sql {
    return this.q(
      "selectHistory",
      `SELECT event_id, type, at_ms, data FROM ${this.s}.history WHERE run_id = $1 AND event_id > $2 ORDER BY event_id LIMIT $3`,
      [runId, afterEventId, limit],
    );
  }

  selectEvent(runId: string, eventId: number): Sql {
    return this.q("selectEvent", `SELECT event_id, type, at_ms, data FROM ${this.s}.history WHERE run_id = $1 AND event_id = $2`, [runId, eventId]);
  }

  // -- tasks -----------------------------------------------------------------

  /**
   * Lease up to `limit` visible tasks of one kind on one queue.
   *
   * The inner SELECT matches the tasks_claim index (kind, queue, visible_at_ms)
   * in its WHERE and ORDER BY, and SKIP LOCKED lets concurrent claimers pass
   * each other. The claim bumps the fencing token and the attempt, and hides
   * the task until its lease expires plus the retry backoff for the next
   * attempt, so an expired lease is re-claimed by this same query: no reaper.
   * The lease is the heartbeat timeout when set, else the start-to-close
   * timeout, and never runs past the schedule-to-close deadline.
   */
  claimTasks(kind: TaskKind, queue: string, nowMs: number, limit: number): Sql {
    // The same round trip also says when the next task not yet visible becomes
    // visible, so an idle poller knows how long it may sleep without asking
    // again (one LEFT JOIN row with a null task when nothing was claimed).
    // Measured on the simulator's workloads: a separate query for it was 14%
    // of all statements.
    return this.q(
      "claimTasks",
      `WITH candidates AS (
         SELECT task_id FROM ${this.s}.tasks
         WHERE kind = $1 AND queue = $2 AND visible_at_ms <= $3::bigint
         ORDER BY visible_at_ms
         LIMIT $4
         FOR UPDATE SKIP LOCKED
       ), ${this.claimTail("")}`,
      [kind, queue, nowMs, limit],
    );
  }

  /**
   * A fair claim: round-robin across fairness keys, so one key's backlog
   * cannot starve another's tasks on the same queue. A skip scan over the
   * keyed tasks' index finds up to $6 keys after $5 (the cursor the previous
   * claim returned: successive claims rotate through the keys); each key
   * offers its oldest visible tasks, and so does the queue's plain FIFO head
   * (unkeyed tasks, and whatever is oldest); the claim takes the first of
   * each, then the second of each..., $4 in all, locking them with SKIP
   * LOCKED as claimTasks does (a task another claim took meanwhile is
   * re-checked and skipped). Returns `fair_cursor`: the last key visited
   * when the scan stopped at $6 keys, or "" to start again from the first.
   */
  claimTasksFair(kind: TaskKind, queue: string, nowMs: number, limit: number, after: string, keysMax: number): Sql {
    return this.q(
      "claimTasksFair",
      `WITH RECURSIVE keys(k, n) AS (
         (SELECT fairness_key, 1 FROM ${this.s}.tasks
          WHERE kind = $1 AND queue = $2 AND fairness_key <> '' AND fairness_key > $5 ORDER BY fairness_key LIMIT 1)
         UNION ALL
         SELECT (SELECT t.fairness_key FROM ${this.s}.tasks t
                 WHERE t.kind = $1 AND t.queue = $2 AND t.fairness_key <> '' AND t.fairness_key > keys.k ORDER BY t.fairness_key LIMIT 1), keys.n + 1
         FROM keys WHERE keys.k IS NOT NULL AND keys.n < $6
       ), heads AS (
         SELECT h.task_id, h.visible_at_ms, row_number() OVER (PARTITION BY keys.k ORDER BY h.visible_at_ms) AS rank
         FROM keys CROSS JOIN LATERAL (
           SELECT t.task_id, t.visible_at_ms FROM ${this.s}.tasks t
           WHERE t.kind = $1 AND t.queue = $2 AND t.fairness_key <> '' AND t.fairness_key = keys.k AND t.visible_at_ms <= $3::bigint
           ORDER BY t.visible_at_ms LIMIT $4) h
         WHERE keys.k IS NOT NULL
       ), fifo AS (
         SELECT task_id, visible_at_ms, row_number() OVER (ORDER BY visible_at_ms) AS rank
         FROM (SELECT task_id, visible_at_ms FROM ${this.s}.tasks WHERE kind = $1 AND queue = $2 AND visible_at_ms <= $3::bigint ORDER BY visible_at_ms LIMIT $4) f
       ), chosen AS (
         SELECT task_id FROM (SELECT * FROM heads UNION ALL SELECT * FROM fifo) c
         GROUP BY task_id ORDER BY min(rank), min(visible_at_ms) LIMIT $4
       ), candidates AS (
         SELECT t.task_id FROM ${this.s}.tasks t
         WHERE t.task_id IN (SELECT task_id FROM chosen) AND t.visible_at_ms <= $3::bigint
         FOR UPDATE SKIP LOCKED
       ), ${this.claimTail(`CROSS JOIN (SELECT CASE WHEN count(k) >= $6 THEN max(k) ELSE '' END AS fair_cursor FROM keys) fair`)}`,
      [kind, queue, nowMs, limit, after, keysMax],
    );
  }

  /** What claimTasks and claimTasksFair share once `candidates` are chosen: lease them, and say when the next task becomes visible (`extra` joins more). */
  private claimTail(extra: string): string {
    return `claimed AS (
         UPDATE ${this.s}.tasks t SET
           lease_token = t.lease_token + 1,
           attempt = t.attempt + 1,
           claimed_at_ms = $3::bigint,
           lease_expires_at_ms = ${leaseExpiry("$3::bigint", "t")},
           visible_at_ms = ${claimedVisibleAt("$3::bigint", "t", "t.attempt")}
         FROM candidates c
         WHERE t.task_id = c.task_id
         RETURNING ${CLAIMED_COLUMNS.replace(/(\w+)/g, "t.$1")}
       )
       SELECT claimed.*, upcoming.next_visible_at_ms${extra ? ", fair.fair_cursor" : ""}
       FROM (SELECT min(visible_at_ms) AS next_visible_at_ms FROM ${this.s}.tasks
             WHERE kind = $1 AND queue = $2 AND visible_at_ms > $3::bigint) upcoming
       LEFT JOIN claimed ON true ${extra}`;
  }

  /** When the next task of this kind on this queue becomes visible (so an idle poller can sleep until then). */
  nextVisibleAt(kind: TaskKind, queue: string, nowMs: number): Sql {
    return this.q(
      "nextVisibleAt",
      `SELECT min(visible_at_ms) AS at_ms FROM ${this.s}.tasks WHERE kind = $1 AND queue = $2 AND visible_at_ms > $3`,
      [kind, queue, nowMs],
    );
  }

  /**
   * Dead, live and changed-since-analyze tuples of the engine's tables, as the server counts them, and whether
   * autovacuum is on. A partitioned table (history) counts nothing itself: its partitions' counts are summed.
   */
  tableStatistics(): Sql {
    return this.q(
      "tableStatistics",
      `SELECT x.name AS table, sum(s.n_dead_tup) AS dead, sum(s.n_live_tup) AS live, sum(s.n_mod_since_analyze) AS modified,
              current_setting('autovacuum') = 'on' AS autovacuum
       FROM unnest($1::text[]) AS x(name)
       JOIN pg_stat_user_tables s ON s.schemaname = $2 AND (s.relname = x.name OR s.relid IN (
         SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(format('%I.%I', $2::text, x.name))))
       GROUP BY x.name`,
      [pgArray(Object.keys(MAINTAINED_TABLES)), this.schema],
    );
  }

  /**
   * VACUUM (ANALYZE) or ANALYZE one of the engine's tables, skipped if
   * another session holds it for the same. Not named: a utility statement
   * is not prepared.
   */
  maintainTable(table: MaintainedTable, action: "vacuum" | "analyze"): Sql {
    const statement = action === "vacuum" ? "VACUUM (ANALYZE, SKIP_LOCKED)" : "ANALYZE (SKIP_LOCKED)";
    const name = `${action}${table[0]!.toUpperCase()}${table.slice(1)}`; // vacuumTasks, analyzeHistory, ...: one profile row per table
    return { text: `/* ${name} */ ${statement} ${this.s}.${MAINTAINED_TABLES[table]}`, values: [] };
  }

  /** Delete a task if the caller still holds its lease (the fencing check). */
  deleteLeasedTask(taskId: number, leaseToken: number): Sql {
    return this.q("deleteLeasedTask", `DELETE FROM ${this.s}.tasks WHERE task_id = $1 AND lease_token = $2 RETURNING run_id, seq, attempt`, [taskId, leaseToken]);
  }

  /** Lock a task the caller still holds the lease on (a concurrent claim then skips it). */
  lockLeasedTask(taskId: number, leaseToken: number): Sql {
    return this.q("lockLeasedTask", `SELECT task_id FROM ${this.s}.tasks WHERE task_id = $1 AND lease_token = $2 FOR UPDATE`, [taskId, leaseToken]);
  }

  deleteRunTasks(runId: string): Sql {
    return this.q("deleteRunTasks", `DELETE FROM ${this.s}.tasks WHERE run_id = $1`, [runId]);
  }

  deleteRunTask(runId: string, kind: TaskKind, seq: number): Sql {
    return this.q("deleteRunTask", `DELETE FROM ${this.s}.tasks WHERE run_id = $1 AND kind = $2 AND seq = $3`, [runId, kind, seq]);
  }

  /** A failed attempt that will be retried: hide the task until the retry is due. */
  retryTask(taskId: number, leaseToken: number, visibleAtMs: number, failureJson: string): Sql {
    return this.q(
      "retryTask",
      `UPDATE ${this.s}.tasks SET visible_at_ms = $3, lease_expires_at_ms = NULL, last_failure = $4::json
       WHERE task_id = $1 AND lease_token = $2 RETURNING task_id`,
      [taskId, leaseToken, visibleAtMs, failureJson],
    );
  }

  /** Hand a workflow task back, visible at `visibleAtMs` (new events arrived, or backoff after a failure). */
  requeueWorkflowTask(taskId: number, leaseToken: number, visibleAtMs: number, resetAttempt: boolean): Sql {
    return this.q(
      "requeueWorkflowTask",
      `UPDATE ${this.s}.tasks SET visible_at_ms = $3, lease_expires_at_ms = NULL, attempt = CASE WHEN $4 THEN 0 ELSE attempt END
       WHERE task_id = $1 AND lease_token = $2 RETURNING task_id`,
      [taskId, leaseToken, visibleAtMs, resetAttempt],
    );
  }

  /**
   * Extend a lease: by the heartbeat timeout (else the start-to-close timeout)
   * from now, never past the attempt's start-to-close or schedule-to-close
   * deadline. Heartbeat details are kept for the next attempt.
   */
  heartbeatTask(taskId: number, leaseToken: number, nowMs: number, detailsJson: string | null): Sql {
    const expiry = `least($3::bigint + coalesce(heartbeat_timeout_ms, lease_ms), claimed_at_ms + lease_ms, schedule_deadline_ms)`;
    const backoff = `CASE WHEN max_attempts > 0 AND attempt >= max_attempts THEN 0
                          ELSE ceil(least(retry_initial_ms * power(retry_coefficient, least(attempt - 1, ${BACKOFF_EXPONENT_MAX})), retry_max_ms))::bigint END`;
    return this.q(
      "heartbeatTask",
      `UPDATE ${this.s}.tasks SET
         heartbeat_details = coalesce($4::json, heartbeat_details),
         lease_expires_at_ms = ${expiry},
         visible_at_ms = least(${expiry} + ${backoff}, schedule_deadline_ms)
       WHERE task_id = $1 AND lease_token = $2
       RETURNING lease_expires_at_ms`,
      [taskId, leaseToken, nowMs, detailsJson],
    );
  }

  /** Give a leased task back unfinished (graceful shutdown): visible now, and the attempt does not count. */
  releaseTask(taskId: number, leaseToken: number, nowMs: number): Sql {
    return this.q(
      "releaseTask",
      `UPDATE ${this.s}.tasks SET visible_at_ms = $3, lease_expires_at_ms = NULL, attempt = greatest(attempt - 1, 0)
       WHERE task_id = $1 AND lease_token = $2 RETURNING task_id`,
      [taskId, leaseToken, nowMs],
    );
  }

  selectRunTasks(runId: string): Sql {
    return this.q(
      "selectRunTasks",
      `SELECT task_id, kind, queue, seq, visible_at_ms, lease_token, lease_expires_at_ms, claimed_at_ms, attempt, max_attempts,
              spec, heartbeat_details, last_failure, scheduled_at_ms
       FROM ${this.s}.tasks WHERE run_id = $1 ORDER BY kind, seq`,
      [runId],
    );
  }

  // -- wakeups ---------------------------------------------------------------

  notify(channel: string, payload: string): Sql {
    return this.q("notify", `SELECT pg_notify($1, $2)`, [channel, payload]);
  }
}
