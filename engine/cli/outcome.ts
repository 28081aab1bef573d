/**
 * A run's outcome, as `result` and `start --wait` report it: waited for (or
 * not), then read back with describe() so the JSON carries the recorded
 * failure exactly as history holds it.
 */
import type { Client } from "../client/client.ts";
import { RatchetError, type ErrorCode, type FailureInfo } from "../errors.ts";
import type { RunStatus } from "../store/store.ts";
import { EXIT } from "./exit-codes.ts";
import { failureLines } from "./format/values.ts";
import type { Output } from "./output.ts";

export interface RunOutcome {
  workflowId: string;
  runId: string;
  status: RunStatus;
  /** Present when status is "completed" (null when the workflow returned nothing). */
  result?: unknown;
  /** Present when status is "failed". */
  failure?: FailureInfo;
}

/** Errors Client.result() raises when the run closed without a result, or did not close in time: answers, not faults. */
const OUTCOME_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["WORKFLOW_FAILED", "WORKFLOW_CANCELLED", "WORKFLOW_TERMINATED", "WORKFLOW_NOT_RUNNING", "TIMEOUT"]);

/**
 * With `wait`, block until the run closes (or `timeoutMs` passes); then
 * report its state. Without, report its state now.
 */
export interface WaitOptions {
  wait: boolean;
  /** With wait: give up waiting after this long (the outcome is then "running"). */
  timeoutMs?: number | undefined;
}

export async function readOutcome(client: Client, workflowId: string, runId: string | undefined, options: WaitOptions): Promise<RunOutcome> {
  // Pin the run first, so a new run started meanwhile under the same id is not what we report.
  const pinned = runId ?? (await client.describe(workflowId)).runId;
  if (options.wait) {
    try {
      await client.result(workflowId, { runId: pinned, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
    } catch (err) {
      if (!(err instanceof RatchetError && OUTCOME_CODES.has(err.code))) throw err;
    }
  }
  // A run that continued as new is followed to the run that carries the workflow on, as result() follows it.
  let d = await client.describe(workflowId, pinned);
  while (d.status === "continuedAsNew" && d.continuedAsRunId !== undefined) d = await client.describe(workflowId, d.continuedAsRunId);
  const outcome: RunOutcome = { workflowId: d.workflowId, runId: d.runId, status: d.status };
  if (d.status === "completed") outcome.result = d.result ?? null;
  if (d.failure) outcome.failure = d.failure;
  return outcome;
}

export function outcomeExitCode(outcome: RunOutcome): number {
  return outcome.status === "completed" ? EXIT.ok : EXIT.failure;
}

/**
 * Human output: the result alone on stdout (pretty JSON, so `> out.json`
 * captures exactly it); anything else is reported on stderr.
 */
export function printOutcome(out: Output, o: RunOutcome): void {
  const run = `workflow "${o.workflowId}" (run ${o.runId})`;
  switch (o.status) {
    case "completed":
      out.line(JSON.stringify(o.result ?? null, null, 2));
      return;
    case "failed":
      out.note(`ratchet: ${run} failed:`);
      for (const line of o.failure ? failureLines(o.failure, "  ") : ["  (no failure recorded)"]) out.note(line);
      return;
    case "running":
      out.note(`ratchet: ${run} is still running`);
      return;
    default:
      out.note(`ratchet: ${run} was ${o.status}`);
  }
}
