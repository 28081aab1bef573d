/**
 * history-contiguous-append-only: a run's history has no holes and is only
 * ever appended to.
 *
 * Asserts:
 * 1. contiguous: every history in `finalRuns` is events 1..n in order, n >= 1
 *    (every run has its WorkflowStarted as event 1);
 * 2. append-only: every HistorySnapshot read during the run agrees with the
 *    final history of its run over the ids it holds (same id, same digest of
 *    type and data), and holds consecutive ids. A snapshot read from the
 *    start, as a whole-history read is, is therefore a prefix of the final
 *    history. A snapshot of a run that is gone at the end is a violation too.
 *
 * Why it is sound: events are appended under the run-row lock at
 * next_event_id, which the same transaction advances, and the history table
 * is never updated; nothing deletes history during a simulation. So every
 * read sees a prefix of what is there later, byte for byte. The digest is
 * computed over the parsed (type, data), as the recorder computes it for
 * snapshots with digestEvent below, and the history column is json (not
 * jsonb), so key order is kept and equal events give equal digests.
 */
import { createHash } from "node:crypto";
import type { HistoryEvent } from "../../engine/index.ts";
import type { CheckName, Checker, FinalRun, HistorySnapshot, Violation } from "../model.ts";
import { describeEvent } from "./evidence.ts";
import { runsById, workflowIdLookup } from "./record-index.ts";

const CHECK: CheckName = "history-contiguous-append-only";

/** Hex characters kept of an event's sha256: 64 bits, ample to tell events of one run apart. */
export const EVENT_DIGEST_HEX_CHARS = 16;

/** The digest snapshots record for an event: sha256 of the JSON of {type, data}, first 16 hex characters. */
export function digestEvent(event: HistoryEvent): string {
  return createHash("sha256")
    .update(JSON.stringify({ type: event.type, data: event.data }))
    .digest("hex")
    .slice(0, EVENT_DIGEST_HEX_CHARS);
}

export const historyContiguousAppendOnly: Checker = (record) => {
  const runs = runsById(record);
  const workflowIdOf = workflowIdLookup(record);
  return [
    ...record.finalRuns.flatMap(holeIn),
    ...record.snapshots.flatMap((snapshot) => {
      const detail = snapshotDivergence(snapshot, runs.get(snapshot.runId));
      return detail ? [{ check: CHECK, workflowId: workflowIdOf(snapshot.runId), runId: snapshot.runId, ...detail }] : [];
    }),
  ];
};

function holeIn(run: FinalRun): Violation[] {
  const base = { check: CHECK, workflowId: run.workflowId, runId: run.runId };
  if (run.history.length === 0) return [{ ...base, detail: `run ${run.runId} has no events: event 1 (WorkflowStarted) is missing` }];
  const at = run.history.findIndex((e, i) => e.eventId !== i + 1);
  if (at < 0) return [];
  const neighbours = run.history.slice(Math.max(0, at - 1), at + 1).map(describeEvent);
  return [{ ...base, detail: `run ${run.runId}'s history is not events 1..${run.history.length}: position ${at + 1} holds event #${run.history[at]!.eventId}`, evidence: neighbours }];
}

/** How a snapshot disagrees with the final history (the first difference), or undefined. */
function snapshotDivergence(snapshot: HistorySnapshot, run: FinalRun | undefined): Pick<Violation, "detail" | "evidence"> | undefined {
  const read = `the history of run ${snapshot.runId} read at ${snapshot.atMs} ms (${snapshot.events.length} events)`;
  if (!run) return snapshot.events.length === 0 ? undefined : { detail: `${read} is gone: the run is not in the database at the end` };
  const finalById = new Map(run.history.map((e) => [e.eventId, e]));
  for (let i = 0; i < snapshot.events.length; i++) {
    const held = snapshot.events[i]!;
    const previous = snapshot.events[i - 1];
    if (previous && held.eventId !== previous.eventId + 1) {
      return { detail: `${read} jumps from event #${previous.eventId} to #${held.eventId}`, evidence: [`read ids: ${snapshot.events.map((e) => e.eventId).join(",")}`] };
    }
    const now = finalById.get(held.eventId);
    if (!now) return { detail: `${read} held event #${held.eventId}, which the final history (${run.history.length} events) does not` };
    const digest = digestEvent(now);
    if (digest !== held.digest) {
      return { detail: `${read} held event #${held.eventId} with digest ${held.digest}, but the final history's is ${digest}: the event changed`, evidence: [describeEvent(now)] };
    }
  }
  return undefined;
}
