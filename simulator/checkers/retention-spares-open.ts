/**
 * retention-spares-open: history retention removes only runs that closed
 * before its cutoff, removes whole windows, and leaves no trace of what it
 * removed.
 *
 * Asserts, over `retention` (each call of Client.retainHistory, with every
 * run the database held just before it), `partitionCalls` and `finalRuns`
 * (where a run retention removed is marked `retained` with its call):
 * 1. a run a call removed was closed when the call was made (the read just
 *    before it), and closed before the call's cutoff (its answer's; for a
 *    call whose answer was lost, the latest the cutoff could be: the answer's
 *    time less the age);
 * 2. a dry run removed nothing;
 * 3. every window an answer names as dropped (or, dry, as would be) ends at
 *    or before the cutoff, and every run the database held in it was closed
 *    before the cutoff; a real call removed exactly those runs (no run kept
 *    without its history), no run outside its dropped windows, and as many
 *    as it says (runsRemoved);
 * 4. after a drop, a removed run described by the client is not found, and a
 *    dropped window's time range counts no runs (README, History retention:
 *    a removed run reads as WORKFLOW_NOT_FOUND, like a run that never
 *    existed);
 * 5. the windows ensureHistoryPartitions reported creating never overlap.
 *
 * Why it is sound (no violation on a correct engine): retention drops a
 * partition only when its window ends at or before the cutoff and its runs
 * all closed before it with no task pending, checked again under the
 * partition's lock, and deletes those runs in the same transaction (README,
 * History retention). The read before a call ends at most half the age
 * before the call takes its clock reading (the driver skips the call
 * otherwise), so a run that read saw running closes after the cutoff, and a
 * run created after the read is newer than every window the call may drop:
 * before the heal the age also covers every backward clock skew planned
 * (simulator/retention.ts), so neither a close nor a new run id can be
 * written before the cutoff while the call runs. Only retention
 * deletes runs, so a run read before call i and gone by the next read was
 * removed by call i. Windows are cut to the gaps between existing
 * partitions (history-partitions.ts), and creation is serialised by an
 * advisory lock.
 */
import type { CheckName, Checker, RetentionRecord, RunBeforeRetention, Violation, WindowRecord } from "../model.ts";

const CHECK: CheckName = "retention-spares-open";

export const retentionSparesOpen: Checker = (record) => {
  const violations: Violation[] = [];
  const flag = (run: { workflowId: string; runId?: string }, detail: string, evidence?: string[]) =>
    violations.push({ check: CHECK, workflowId: run.workflowId, ...(run.runId === undefined ? {} : { runId: run.runId }), detail, ...(evidence ? { evidence } : {}) });
  record.retention.forEach((call, i) => {
    const name = `retention call ${i} at ${call.atMs} ms (${call.dryRun ? "dry run, " : ""}older than ${call.olderThanMs} ms, ${call.outcome})`;
    const removed = new Set(record.finalRuns.filter((r) => r.retained?.call === i).map((r) => r.runId));
    const before = new Map(call.before.map((r) => [r.runId, r]));
    const cutoffMs = call.report?.cutoffMs ?? call.endMs - call.olderThanMs;
    for (const runId of removed) {
      const run = before.get(runId)!;
      if (call.dryRun) flag(run, `${name} removed run ${runId} of ${run.workflowId}: a dry run changes nothing`, [stateOf(run)]);
      else if (!closedBefore(run, cutoffMs)) flag(run, `${name} removed run ${runId} of ${run.workflowId}, which ${openness(run, cutoffMs)}`, [stateOf(run)]);
    }
    if (call.report) checkAnswer(call, name, removed, flag);
    for (const p of call.probes) {
      if (p.what === "describe" && p.outcome === "found") flag(p, `after ${name}, run ${p.runId} of ${p.workflowId} was removed with its window, yet describe found it (${p.status})`);
      if (p.what === "count" && p.outcome === "ok" && p.count !== 0) flag({ workflowId: "-" }, `after ${name}, the dropped window [${p.fromMs}, ${p.toMs}) ms still counts ${p.count} run(s)`);
    }
  });
  const created = record.partitionCalls.flatMap((c) => (c.created ?? []).map((w) => ({ ...w, atMs: c.atMs })));
  created.forEach((a, i) => {
    for (const b of created.slice(i + 1)) {
      if ((a.fromMs ?? -Infinity) < b.toMs && (b.fromMs ?? -Infinity) < a.toMs) flag({ workflowId: "-" }, `history partitions ${a.partition} [${a.fromMs}, ${a.toMs}) ms and ${b.partition} [${b.fromMs}, ${b.toMs}) ms overlap`, [`created at ${a.atMs} ms and ${b.atMs} ms`]);
    }
  });
  return violations;
};

/** Point 3: the windows an answer names as dropped, against what the database held and what went. */
function checkAnswer(call: RetentionRecord, name: string, removed: ReadonlySet<string>, flag: (run: { workflowId: string; runId?: string }, detail: string, evidence?: string[]) => void): void {
  const report = call.report!;
  const inWindow = (w: WindowRecord) => call.before.filter((r) => r.createdAtMs >= (w.fromMs ?? -Infinity) && r.createdAtMs < w.toMs);
  const covered = new Set<string>();
  for (const w of report.dropped) {
    const label = `window ${w.partition} [${w.fromMs ?? "-inf"}, ${w.toMs}) ms`;
    if (w.toMs > report.cutoffMs) flag({ workflowId: "-" }, `${name} dropped ${label}, which ends after its cutoff ${report.cutoffMs} ms`);
    for (const run of inWindow(w)) {
      covered.add(run.runId);
      if (!closedBefore(run, report.cutoffMs)) flag(run, `${name} dropped ${label}, which held run ${run.runId} of ${run.workflowId}: it ${openness(run, report.cutoffMs)}`, [stateOf(run)]);
      else if (!call.dryRun && !removed.has(run.runId)) flag(run, `${name} dropped ${label}, yet run ${run.runId} of ${run.workflowId} in it is still there: a run without its history`, [stateOf(run)]);
    }
  }
  if (call.dryRun) return;
  for (const runId of removed) {
    if (!covered.has(runId)) flag({ workflowId: call.before.find((r) => r.runId === runId)!.workflowId, runId }, `${name} removed run ${runId}, outside every window it reported dropping`);
  }
  if (report.runsRemoved !== removed.size) flag({ workflowId: "-" }, `${name} reported ${report.runsRemoved} run(s) removed, and ${removed.size} went`);
}

function closedBefore(run: RunBeforeRetention, cutoffMs: number): boolean {
  return run.status !== "running" && run.closedAtMs !== null && run.closedAtMs < cutoffMs;
}

function openness(run: RunBeforeRetention, cutoffMs: number): string {
  return run.status === "running" ? "was still running" : `closed at ${run.closedAtMs} ms, not before the cutoff ${cutoffMs} ms`;
}

function stateOf(run: RunBeforeRetention): string {
  return `before the call: ${run.status}${run.closedAtMs === null ? "" : ` (closed at ${run.closedAtMs} ms)`}, created at ${run.createdAtMs} ms`;
}
