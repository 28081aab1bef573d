/**
 * The statements of schedules (see Store's schedule methods and migration
 * 0006). Like every statement, named, parameterised, and timed by the
 * engine's clock ($now), never now().
 *
 * Lock order: a schedule's row, then tasks rows. A round of firing holds the
 * schedule's row while it inserts runs and tasks but never locks an existing
 * run; its actions on running workflows (cancelOther, terminateOther) are
 * timer tasks of those runs. A run's close locks its own row, then the
 * schedule's (wakeSchedules), then the schedule's task. No cycle.
 */
import type { Sql } from "../db/driver.ts";
import type { ScheduleCounts } from "./store.ts";

type Statement = (name: string, text: string, values: readonly unknown[]) => Sql;

/** The seq of the task that carries a schedule's action on one of its running runs (below every seq a run's own tasks use). */
export const SCHEDULE_ACTION_SEQ = -2_147_483_648;

const SCHEDULE_COLUMNS = `schedule_id, task_run_id, spec, action, overlap, catchup_window_ms, pause_on_failure, paused, note, processed_upto_ms,
       buffered, actions, skipped, missed, start_failed, skipped_while_paused, triggers, recent, created_at_ms, updated_at_ms`;

export interface ScheduleRowInput {
  scheduleId: string;
  taskRunId: string;
  specJson: string;
  actionJson: string;
  overlap: string;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  paused: boolean;
  note: string;
  processedUptoMs: number;
}

export class ScheduleQueries {
  constructor(
    private readonly s: string,
    private readonly q: Statement,
  ) {}

  insertSchedule(r: ScheduleRowInput, nowMs: number): Sql {
    return this.q(
      "insertSchedule",
      `INSERT INTO ${this.s}.schedules (schedule_id, task_run_id, spec, action, overlap, catchup_window_ms, pause_on_failure, paused, note,
                                       processed_upto_ms, created_at_ms, updated_at_ms)
       VALUES ($1, $2, $3::json, $4::json, $5, $6, $7, $8, $9, $10, $11, $11)
       ON CONFLICT (schedule_id) DO NOTHING
       RETURNING schedule_id`,
      [r.scheduleId, r.taskRunId, r.specJson, r.actionJson, r.overlap, r.catchupWindowMs, r.pauseOnFailure, r.paused, r.note, r.processedUptoMs, nowMs],
    );
  }

  selectSchedule(scheduleId: string): Sql {
    return this.q("selectSchedule", `SELECT ${SCHEDULE_COLUMNS} FROM ${this.s}.schedules WHERE schedule_id = $1`, [scheduleId]);
  }

  lockSchedule(scheduleId: string): Sql {
    return this.q("lockSchedule", `SELECT ${SCHEDULE_COLUMNS} FROM ${this.s}.schedules WHERE schedule_id = $1 FOR UPDATE`, [scheduleId]);
  }

  lockScheduleOfTask(taskRunId: string): Sql {
    return this.q("lockScheduleOfTask", `SELECT ${SCHEDULE_COLUMNS} FROM ${this.s}.schedules WHERE task_run_id = $1 FOR UPDATE`, [taskRunId]);
  }

  /** A page of schedules in id order, after `after`. */
  listSchedules(after: string | null, limit: number): Sql {
    return this.q(
      "listSchedules",
      `SELECT ${SCHEDULE_COLUMNS} FROM ${this.s}.schedules WHERE $1::text IS NULL OR schedule_id > $1 ORDER BY schedule_id LIMIT $2`,
      [after, limit],
    );
  }

  /** Which of these workflow ids ($1, a JSON array) have a run, in any status (a backfill starts a fire only once). */
  existingWorkflowIds(workflowIdsJson: string): Sql {
    return this.q(
      "existingScheduledWorkflowIds",
      `SELECT DISTINCT workflow_id FROM ${this.s}.runs WHERE workflow_id IN (SELECT json_array_elements_text($1::json))`,
      [workflowIdsJson],
    );
  }

  /** The workflows a schedule started that are running (a continue-as-new chain keeps the schedule). */
  runningOfSchedule(scheduleId: string): Sql {
    return this.q(
      "runningOfSchedule",
      `SELECT workflow_id, run_id FROM ${this.s}.runs WHERE schedule_id = $1 AND status = 'running' ORDER BY run_id`,
      [scheduleId],
    );
  }

  /** A round's outcome: state replaced, counters added to ($11: the triggers it fired, 0 or 1). */
  recordRound(scheduleId: string, processedUptoMs: number, bufferedJson: string, counts: ScheduleCounts, recentJson: string, triggers: number, nowMs: number): Sql {
    return this.q(
      "recordScheduleRound",
      `UPDATE ${this.s}.schedules
       SET processed_upto_ms = $2, buffered = $3::jsonb, actions = actions + $4, skipped = skipped + $5, missed = missed + $6,
           start_failed = start_failed + $7, skipped_while_paused = skipped_while_paused + $8, recent = $9::json, updated_at_ms = $10,
           triggers = triggers + $11
       WHERE schedule_id = $1`,
      [scheduleId, processedUptoMs, bufferedJson, counts.actions, counts.skipped, counts.missed, counts.startFailed, counts.skippedWhilePaused, recentJson, nowMs, triggers],
    );
  }

  /** Pause or unpause; unpausing moves processed_upto past the fires due while paused, which it counts (they are not run). */
  setPaused(scheduleId: string, paused: boolean, note: string, processedUptoMs: number, skippedWhilePaused: number, nowMs: number): Sql {
    return this.q(
      "setSchedulePaused",
      `UPDATE ${this.s}.schedules
       SET paused = $2, note = $3, processed_upto_ms = greatest(processed_upto_ms, $4), skipped_while_paused = skipped_while_paused + $5, updated_at_ms = $6
       WHERE schedule_id = $1`,
      [scheduleId, paused, note, processedUptoMs, skippedWhilePaused, nowMs],
    );
  }

  /** Replace the definition; processed_upto moves to $7, and the fires under the old spec due while paused that it passes are counted ($8). */
  updateDefinition(scheduleId: string, specJson: string, actionJson: string, overlap: string, catchupWindowMs: number, pauseOnFailure: boolean, processedUptoMs: number, skippedWhilePaused: number, nowMs: number): Sql {
    return this.q(
      "updateScheduleDefinition",
      `UPDATE ${this.s}.schedules
       SET spec = $2::json, action = $3::json, overlap = $4, catchup_window_ms = $5, pause_on_failure = $6,
           processed_upto_ms = greatest(processed_upto_ms, $7), skipped_while_paused = skipped_while_paused + $8, updated_at_ms = $9
       WHERE schedule_id = $1`,
      [scheduleId, specJson, actionJson, overlap, catchupWindowMs, pauseOnFailure, processedUptoMs, skippedWhilePaused, nowMs],
    );
  }

  deleteSchedule(scheduleId: string): Sql {
    return this.q("deleteSchedule", `DELETE FROM ${this.s}.schedules WHERE schedule_id = $1 RETURNING task_run_id`, [scheduleId]);
  }

  /**
   * Make the schedule's task due at $3 (insert it, or move it: a lease it
   * holds is dropped, so the round that holds it, if any, fails its fence and
   * the next one runs on the state this transaction leaves).
   */
  putTask(taskRunId: string, queue: string, visibleAtMs: number, leaseMs: number, scheduleId: string, nowMs: number): Sql {
    return this.q(
      "putScheduleTask",
      `INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, spec, scheduled_at_ms)
       VALUES ('timer', $2, $1, 0, $3, $4, json_build_object('schedule', $5::text), $6)
       ON CONFLICT (run_id, kind, seq) DO UPDATE
         SET queue = EXCLUDED.queue, visible_at_ms = EXCLUDED.visible_at_ms, lease_token = ${this.s}.tasks.lease_token + 1,
             lease_expires_at_ms = NULL, claimed_at_ms = NULL, attempt = 0, spec = EXCLUDED.spec, scheduled_at_ms = EXCLUDED.scheduled_at_ms`,
      [taskRunId, queue, visibleAtMs, leaseMs, scheduleId, nowMs],
    );
  }

  /** After a round: the task held under lease `$2` becomes due at $3 again (fenced: nothing if the lease was lost). */
  rescheduleLeasedTask(taskId: number, leaseToken: number, visibleAtMs: number): Sql {
    return this.q(
      "rescheduleScheduleTask",
      `UPDATE ${this.s}.tasks SET visible_at_ms = $3, lease_expires_at_ms = NULL, claimed_at_ms = NULL, attempt = 0, scheduled_at_ms = $3
       WHERE task_id = $1 AND lease_token = $2 RETURNING task_id`,
      [taskId, leaseToken, visibleAtMs],
    );
  }

  deleteTask(taskRunId: string): Sql {
    return this.q("deleteScheduleTask", `DELETE FROM ${this.s}.tasks WHERE run_id = $1 AND kind = 'timer' AND seq = 0`, [taskRunId]);
  }

  /**
   * Closes of scheduled runs (JSON rows {schedule_id, failed}): pause the
   * schedules whose policy says so when one failed, and make the task of
   * each that has fires waiting due now. Returns the queues written to.
   */
  wakeSchedules(closesJson: string, nowMs: number, leaseMs: number): Sql {
    return this.q(
      "wakeSchedules",
      `WITH closed AS (
         SELECT schedule_id, bool_or(failed) AS failed FROM json_to_recordset($1::json) AS x(schedule_id text, failed boolean) GROUP BY schedule_id
       ), woken AS (
         UPDATE ${this.s}.schedules s
         SET paused = s.paused OR (s.pause_on_failure AND c.failed),
             note = CASE WHEN NOT s.paused AND s.pause_on_failure AND c.failed THEN 'paused: a workflow it started failed' ELSE s.note END,
             updated_at_ms = $2
         FROM closed c WHERE s.schedule_id = c.schedule_id
         RETURNING s.schedule_id, s.task_run_id, s.paused, s.action->>'taskQueue' AS queue, jsonb_array_length(s.buffered) AS waiting
       )
       INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, spec, scheduled_at_ms)
       SELECT 'timer', queue, task_run_id, 0, $2, $3, json_build_object('schedule', schedule_id), $2 FROM woken WHERE NOT paused AND waiting > 0
       ON CONFLICT (run_id, kind, seq) DO UPDATE
         SET visible_at_ms = EXCLUDED.visible_at_ms, lease_token = ${this.s}.tasks.lease_token + 1, lease_expires_at_ms = NULL, claimed_at_ms = NULL, attempt = 0
       RETURNING queue`,
      [closesJson, nowMs, leaseMs],
    );
  }

  /**
   * A round's actions on running workflows (JSON rows {workflow_id, action,
   * reason}): a timer task of each one's running run, due now, whose firing
   * terminates the run or requests its cancellation. Returns the queues.
   */
  insertActions(scheduleId: string, actionsJson: string, nowMs: number, leaseMs: number): Sql {
    return this.q(
      "insertScheduleActions",
      `INSERT INTO ${this.s}.tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, spec, scheduled_at_ms)
       SELECT 'timer', r.task_queue, r.run_id, ${SCHEDULE_ACTION_SEQ}, $3, $4, json_build_object('scheduleAction', x.action, 'reason', x.reason), $3
       FROM json_to_recordset($2::json) AS x(workflow_id text, action text, reason text)
       JOIN ${this.s}.runs r ON r.workflow_id = x.workflow_id AND r.status = 'running' AND r.schedule_id = $1
       ON CONFLICT (run_id, kind, seq) DO UPDATE SET spec = EXCLUDED.spec WHERE EXCLUDED.spec->>'scheduleAction' = 'terminate'
       RETURNING queue`,
      [scheduleId, actionsJson, nowMs, leaseMs],
    );
  }
}
