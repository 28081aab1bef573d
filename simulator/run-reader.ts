/**
 * Reading runs with their histories straight from the database, as the
 * recorder does: at the end (the record's finalRuns) and just before each
 * retention call (what the call could remove). Times come back as virtual
 * ms. The runs are read before their histories, so a run read as closed has
 * its whole history (nothing is appended after a run's last event).
 */
import type { HistoryEvent, Row, Sql } from "../engine/index.ts";
import { SCHEDULED_AT_ATTRIBUTE } from "../engine/store/store.ts";
import type { FinalRun } from "./model.ts";

/** A run as read, with its place in the runs table (run_seq), the order finalRuns keeps. */
export type ReadRun = FinalRun & { seq: number };

/**
 * `historiesBelowRunId`: read the histories of runs with a lower run id only
 * (null: none; the others' come back empty), where only those can matter.
 */
export async function readRuns(query: <R extends Row>(sql: Sql) => Promise<R[]>, schema: string, epochMs: number, historiesBelowRunId?: string | null): Promise<ReadRun[]> {
  const s = `"${schema}"`;
  const runs = await query<{
    run_seq: number;
    run_id: string;
    workflow_id: string;
    workflow_type: string;
    status: string;
    closed_at_ms: number | null;
    task_failure: unknown;
    schedule_id: string | null;
    fairness_key: string;
    scheduled_at_ms: number | null;
  }>({
    text: `SELECT run_seq, run_id, workflow_id, workflow_type, status, closed_at_ms, task_failure, schedule_id, fairness_key,
                  (search_attributes->>'${SCHEDULED_AT_ATTRIBUTE}')::bigint AS scheduled_at_ms
           FROM ${s}.runs ORDER BY run_seq`,
    values: [],
  });
  const below = historiesBelowRunId === undefined ? [] : [historiesBelowRunId];
  const events =
    historiesBelowRunId === null
      ? []
      : await query<{ run_id: string; event_id: number; type: string; at_ms: number; data: unknown }>({
          text: `SELECT run_id, event_id, type, at_ms, data FROM ${s}.history ${below.length > 0 ? "WHERE run_id < $1::uuid " : ""}ORDER BY run_id, event_id`,
          values: below,
        });
  const byRun = new Map<string, HistoryEvent[]>();
  for (const r of events) {
    const list = byRun.get(r.run_id) ?? [];
    list.push(toEvent({ ...r, at_ms: r.at_ms - epochMs }));
    byRun.set(r.run_id, list);
  }
  return runs.map((r) => ({
    seq: Number(r.run_seq),
    workflowId: r.workflow_id,
    runId: r.run_id,
    workflowType: r.workflow_type,
    status: r.status as FinalRun["status"],
    closedAtMs: r.closed_at_ms === null ? null : Number(r.closed_at_ms) - epochMs,
    history: byRun.get(r.run_id) ?? [],
    taskFailure: (r.task_failure as FinalRun["taskFailure"]) ?? null,
    ...(r.schedule_id === null ? {} : { schedule: { scheduleId: r.schedule_id, fireAtMs: Number(r.scheduled_at_ms) - epochMs } }),
    fairnessKey: r.fairness_key,
  }));
}

export function toEvent(r: { event_id: number; type: string; at_ms: number; data: unknown }): HistoryEvent {
  return { eventId: r.event_id, type: r.type, atMs: r.at_ms, data: r.data } as HistoryEvent;
}
