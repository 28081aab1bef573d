/**
 * The replay test helper: replay recorded histories against the workflow
 * code you are about to deploy, and report every run whose history the new
 * code no longer matches — before a worker meets it in production.
 *
 *   const report = await replayRuns(store, workflows, { workflowType: "checkout", limit: 500 });
 *   expect(report.diverged).toEqual([]);
 *
 * A history replays with nothing written and no worker involved: each
 * recorded workflow task's decisions are checked against what the code
 * decides now (a difference is a non-determinism error naming the event),
 * and the activation after the last recorded task runs live. Versioning
 * (ctx.patched / ctx.deprecatePatch) is what lets old histories and new code
 * agree.
 */
import { RatchetError, UnknownTypeError, type FailureInfo, toFailureInfo } from "../errors.ts";
import type { HistoryEvent } from "../history/events.ts";
import { REPLAY_RUNS_MAX } from "../limits.ts";
import { checkInteger, checkTypeName, checkWorkflowId } from "../names.ts";
import type { RunRecord, Store } from "../store/store.ts";
import { replayWorkflowTask } from "../workflow/replay.ts";
import type { WorkflowMap } from "../workflow/types.ts";

export interface ReplayedRun {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** Whether the code replayed the whole history without a divergence. */
  ok: boolean;
  /** Why not: a NON_DETERMINISM failure naming the event, UNKNOWN_WORKFLOW_TYPE, or the error replay hit. */
  failure?: FailureInfo;
}

export interface ReplayReport {
  replayed: number;
  diverged: ReplayedRun[];
  runs: ReplayedRun[];
}

/** Replay one history (as `client.history()` or `ratchet history --json` gives it) against `workflows`. */
export async function replayHistory(workflows: WorkflowMap, events: HistoryEvent[], ids: { runId?: string } = {}): Promise<ReplayedRun> {
  const started = events[0];
  if (started?.type !== "WorkflowStarted") {
    throw new RatchetError("INVALID_ARGUMENT", `a history must begin with WorkflowStarted, not ${started ? started.type : "nothing"}`, { field: "events" });
  }
  const { workflowId, workflowType, taskQueue } = started.data;
  const runId = ids.runId ?? "replay";
  const base = { workflowId, runId, workflowType };
  const fn = workflows[workflowType];
  if (!fn) {
    const known = Object.keys(workflows).sort().join(", ");
    const error = new UnknownTypeError("UNKNOWN_WORKFLOW_TYPE", `workflow type "${workflowType}" is not in the workflows given (${known || "none"})`, base);
    return { ...base, ok: false, failure: toFailureInfo(error) };
  }
  try {
    const outcome = await replayWorkflowTask({ info: { workflowId, runId, workflowType, taskQueue }, fn, history: events, nowMs: events.at(-1)!.atMs });
    if (outcome.kind === "taskFailed") return { ...base, ok: false, failure: toFailureInfo(outcome.error) };
    return { ...base, ok: true };
  } catch (err) {
    return { ...base, ok: false, failure: toFailureInfo(err) };
  }
}

export interface ReplayRunsOptions {
  /** Replay these workflows' latest runs. */
  workflowIds?: readonly string[];
  /** Or the newest runs of this type (closed and running), newest first. */
  workflowType?: string;
  /** At most this many runs of the type (default and most: REPLAY_RUNS_MAX). */
  limit?: number;
}

/** Replay stored runs (by workflow id, or the newest of a type) against `workflows`, and report each. */
export async function replayRuns(store: Store, workflows: WorkflowMap, options: ReplayRunsOptions): Promise<ReplayReport> {
  const runs: RunRecord[] = [];
  if (options.workflowIds !== undefined) {
    if (options.workflowIds.length > REPLAY_RUNS_MAX) {
      throw new RatchetError("INVALID_ARGUMENT", `replay at most ${REPLAY_RUNS_MAX} workflows at once (REPLAY_RUNS_MAX), got ${options.workflowIds.length}`, { field: "workflowIds" });
    }
    for (const id of options.workflowIds) {
      const run = await store.getLatestRun(checkWorkflowId(id));
      if (run) runs.push(run);
    }
  }
  if (options.workflowType !== undefined) {
    const limit = checkInteger(options.limit ?? REPLAY_RUNS_MAX, "limit", 1, REPLAY_RUNS_MAX);
    runs.push(...(await store.newestRunsOfType(checkTypeName(options.workflowType, "workflowType"), limit)));
  }
  const replayed: ReplayedRun[] = [];
  for (const run of runs) replayed.push(await replayHistory(workflows, await store.readHistory(run.runId), { runId: run.runId }));
  return { replayed: replayed.length, diverged: replayed.filter((r) => !r.ok), runs: replayed };
}
