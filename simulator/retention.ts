/**
 * The driver's history retention: during the run it calls
 * Client.ensureHistoryPartitions and Client.retainHistory as an operator's
 * cron job would (`ratchet retention`: create the windows ahead, then drop
 * the old ones), on windows small enough that a scenario's few minutes of
 * virtual time span several, and with an age that reaches runs closed
 * earlier in the same run. Before each retention call the recorder reads
 * every run with its history, so the checkers know what the call could
 * remove and can still read the history of what it did remove.
 *
 * Calls: see retentionPlan.
 */
import { RatchetError, type Client, type Row, type Sql } from "../engine/index.ts";
import { HISTORY_WINDOW_MS_MIN } from "../engine/limits.ts";
import { runIdMs, type RetentionReport } from "../engine/store/history-partitions.ts";
import { runIdAtMs } from "../engine/store/run-id-time.ts";
import { callFailure, describeError } from "./driver-errors.ts";
import type { Fault, FinalRun, PartitionCallRecord, RetentionRecord, Scenario, WindowRecord } from "./model.ts";
import { readRuns, type ReadRun } from "./run-reader.ts";
import { TIMER_SLEEP_MS_MIN, type PlannedStart, type TimerInput } from "./workloads/index.ts";

/** The smallest window the engine allows (a minute): a shipped scenario's 150-210 s of virtual time spans three or four. */
export const SIM_HISTORY_WINDOW_MS = HISTORY_WINDOW_MS_MIN;
/**
 * How long ago a run must have closed for retention to remove it (plus,
 * before the heal, the largest backward clock skew planned): short, so the
 * first call reaches the first window while runs in it are still going.
 */
export const SIM_RETENTION_AGE_MS = 2_000;
/**
 * The read of every run before a call must end within this much of the
 * call (else the call is skipped): half the age, so a run the read saw
 * running, if it closes before the call looks, closes after the call's
 * cutoff (see retention-spares-open).
 */
export const RETENTION_READ_MS_MAX = SIM_RETENTION_AGE_MS / 2;
/** After a call that dropped windows, the driver describes this many of the runs it removed and counts this many of the windows. */
export const RETENTION_PROBES_MAX = 2;

export interface PlannedRetention {
  atMs: number;
  olderThanMs: number;
  dryRun: boolean;
}

/**
 * When the driver calls retention, and with what age: as soon as the first
 * window can go (its end plus the age) — under the faults, if the heal is
 * later —, a dry run 20 s before the heal, a call 5 s before it, one halfway
 * through the liveness phase and one just after its deadline, when every
 * accepted workflow has closed. Before the heal the age is lengthened by the
 * largest backward clock skew planned: a worker whose clock is S behind
 * records a close (and names a new run) S early, so without it a run that
 * closes while the call runs could legitimately count as closed before the
 * cutoff, where the read before the call showed it running. After the heal
 * every clock is true.
 */
export function retentionPlan(scenario: Scenario, faults: readonly Fault[]): PlannedRetention[] {
  const { healAtMs, withinMs } = scenario.liveness;
  const behindMs = Math.max(0, ...faults.map((f) => (f.kind === "clock.skew" && (f.atMs ?? 0) < healAtMs ? -f.offsetMs : 0)));
  const firstWindowMs = SIM_HISTORY_WINDOW_MS + SIM_RETENTION_AGE_MS + 1_000 + behindMs;
  const times = [
    { atMs: firstWindowMs < healAtMs ? firstWindowMs : healAtMs + 1_000, dryRun: false },
    { atMs: healAtMs - 20_000, dryRun: true },
    { atMs: healAtMs - 5_000, dryRun: false },
    { atMs: healAtMs + Math.floor(withinMs / 2), dryRun: false },
    // Just after the liveness deadline's reads (which run at the deadline itself).
    { atMs: healAtMs + withinMs + 500, dryRun: false },
  ];
  return times
    .filter((c) => c.atMs >= 0 && c.atMs < scenario.durationMs + 1_000)
    .sort((a, b) => a.atMs - b.atMs)
    .map((c) => ({ ...c, olderThanMs: SIM_RETENTION_AGE_MS + (c.atMs < healAtMs ? behindMs : 0) }));
}

/** The driver's own long run, in the first window: started this early, it sleeps until this long after the first retention call (by the clock, however late its first step). */
export const RETENTION_HOLD_START_MS = 1_000;
export const RETENTION_HOLD_PAST_CALL_MS = 5_000;
/** Room the hold run needs after its long sleep (a short sleep, three steps, faults healed) before the liveness deadline. */
export const RETENTION_HOLD_MARGIN_MS = 20_000;

/**
 * A timer workflow the driver starts at 1 s that sleeps past the first
 * retention call that can reach the first window: the shipped workloads
 * close nearly every run of that window by then, and a window with a run
 * still going is what retention must hold back (and what a bug that
 * ignores open runs would drop). None if it could not close well within
 * the liveness deadline. It sleeps until a moment, not for a duration: a
 * first step that faults hold up until heal must not push its close past
 * the deadline.
 */
export function retentionHoldStart(plan: readonly PlannedRetention[], scenario: Scenario, taskQueue: string, epochMs: number): PlannedStart | null {
  const first = plan.find((c) => !c.dryRun && c.atMs - c.olderThanMs >= SIM_HISTORY_WINDOW_MS);
  const { healAtMs, withinMs } = scenario.liveness;
  if (!first || first.atMs + RETENTION_HOLD_PAST_CALL_MS + RETENTION_HOLD_MARGIN_MS > healAtMs + withinMs) return null;
  const input: TimerInput = { sleepsMs: [TIMER_SLEEP_MS_MIN, TIMER_SLEEP_MS_MIN], firstSleepUntilMs: epochMs + first.atMs + RETENTION_HOLD_PAST_CALL_MS };
  return { atMs: RETENTION_HOLD_START_MS, workflowId: "sim-retention-hold", workflowType: "timer", taskQueue, input };
}

export interface RetentionDriverOptions {
  client: Client;
  schema: string;
  epochMs: number;
  elapsedMs: () => number;
  trace: (line: string) => void;
  /** The recorder's read (through its own link, so faults can fail it). */
  query: <R extends Row>(sql: Sql) => Promise<R[]>;
}

export class RetentionDriver {
  readonly calls: RetentionRecord[] = [];
  readonly partitionCalls: PartitionCallRecord[] = [];
  /** Per call, every run read just before it (histories included). */
  private readonly archives: ReadRun[][] = [];
  private busy = false;
  /** The call waiting for its answer, if any. */
  private inFlight: RetentionRecord | null = null;

  constructor(private readonly o: RetentionDriverOptions) {}

  /** Create the current window and the ones ahead (as each worker's maintenance round does in production). */
  async ensurePartitions(): Promise<void> {
    const atMs = this.o.elapsedMs();
    const windowMs = SIM_HISTORY_WINDOW_MS;
    try {
      const { created } = await this.o.client.ensureHistoryPartitions({ windowMs });
      this.partitionCalls.push({ atMs, windowMs, outcome: "ok", created: created.map((c) => ({ ...this.window(c.partition, c.fromMs, c.toMs), movedRows: c.movedRows })) });
      this.o.trace(`history partitions: ${created.length} created`);
    } catch (err) {
      this.partitionCalls.push({ atMs, windowMs, ...callFailure(err) });
      this.o.trace(`history partitions failed: ${describeError(err)}`);
    }
  }

  /** One call at a time, so what a call removed is what went between its read and the next call's read. */
  async retain(plan: PlannedRetention): Promise<void> {
    if (this.busy) {
      this.o.trace("retention skipped: the previous call has not answered");
      return;
    }
    this.busy = true;
    try {
      await this.retainOnce(plan);
    } finally {
      this.busy = false;
    }
  }

  /** Create partitions, read every run, then call retention; skipped (no record) if the read fails or is slow, since the checker needs it. */
  private async retainOnce(plan: PlannedRetention): Promise<void> {
    await this.ensurePartitions();
    const readAtMs = this.o.elapsedMs();
    let archive: ReadRun[];
    try {
      // Histories only of runs a window ending by the cutoff can hold (the cutoff is at most RETENTION_READ_MS_MAX past
      // the read's start, less the age); a dry run removes nothing, so none: the checkers read them from the final runs.
      const cutoffMaxMs = this.o.epochMs + readAtMs + RETENTION_READ_MS_MAX - plan.olderThanMs;
      archive = await readRuns(this.o.query, this.o.schema, this.o.epochMs, plan.dryRun ? null : runIdAtMs(Math.max(0, cutoffMaxMs)));
    } catch (err) {
      this.o.trace(`retention skipped: the runs could not be read first (${describeError(err)})`);
      return;
    }
    if (this.o.elapsedMs() - readAtMs > RETENTION_READ_MS_MAX) {
      this.o.trace(`retention skipped: reading the runs took ${this.o.elapsedMs() - readAtMs} ms`);
      return;
    }
    const call: RetentionRecord = {
      readAtMs,
      atMs: this.o.elapsedMs(),
      // Until the answer comes: a call still unanswered when the run ends keeps these, endMs set then (finish).
      endMs: this.o.elapsedMs(),
      olderThanMs: plan.olderThanMs,
      dryRun: plan.dryRun,
      outcome: "info",
      error: "no answer by the end of the run",
      before: archive.map((r) => ({ runId: r.runId, workflowId: r.workflowId, status: r.status, closedAtMs: r.closedAtMs, createdAtMs: runIdMs(r.runId) - this.o.epochMs })),
      probes: [],
    };
    // Pushed together, before the call: call i's archive is archives[i].
    this.calls.push(call);
    this.archives.push(archive);
    this.inFlight = call;
    try {
      const report = await this.o.client.retainHistory({ olderThanMs: plan.olderThanMs, dryRun: plan.dryRun });
      delete call.error;
      Object.assign(call, { endMs: this.o.elapsedMs(), outcome: "ok", report: this.inVirtualTime(report) });
      this.o.trace(`retention${plan.dryRun ? " (dry run)" : ""}: ${report.dropped.length} window(s) dropped, ${report.runsRemoved} run(s), ${report.heldBack.length} held back`);
      if (!plan.dryRun && report.dropped.length > 0) await this.probe(call);
    } catch (err) {
      Object.assign(call, { endMs: this.o.elapsedMs(), ...callFailure(err) });
      this.o.trace(`retention failed: ${describeError(err)}`);
    } finally {
      this.inFlight = null;
    }
  }

  /** The run is over: a call still waiting for its answer is judged by the latest cutoff it could have had, now's. */
  finish(): void {
    if (this.inFlight) this.inFlight.endMs = this.o.elapsedMs();
  }

  /**
   * The final runs with every run a retention call removed, as read just
   * before that call, marked with it: a run in call i's archive and not in
   * the next read (the next call's archive, or the final runs) was removed by
   * call i — nothing else deletes runs.
   */
  withRetained(finalRuns: ReadRun[]): FinalRun[] {
    const all: ReadRun[] = [...finalRuns];
    this.archives.forEach((archive, call) => {
      const next = new Set((this.archives[call + 1] ?? finalRuns).map((r) => r.runId));
      for (const run of archive) if (!next.has(run.runId)) all.push({ ...run, retained: { call } });
    });
    return all.sort((a, b) => a.seq - b.seq).map(({ seq: _seq, ...run }) => run);
  }

  /** Visibility after a drop: a few removed runs described, a few dropped windows counted. */
  private async probe(call: RetentionRecord): Promise<void> {
    const dropped = call.report!.dropped;
    const inDropped = (createdAtMs: number) => dropped.some((w) => createdAtMs >= (w.fromMs ?? 0) && createdAtMs < w.toMs);
    for (const run of call.before.filter((r) => inDropped(r.createdAtMs)).slice(0, RETENTION_PROBES_MAX)) {
      try {
        const d = await this.o.client.describe(run.workflowId, run.runId);
        call.probes.push({ what: "describe", workflowId: run.workflowId, runId: run.runId, outcome: "found", status: d.status });
      } catch (err) {
        const notFound = err instanceof RatchetError && err.code === "WORKFLOW_NOT_FOUND";
        call.probes.push({ what: "describe", workflowId: run.workflowId, runId: run.runId, outcome: notFound ? "notFound" : "info" });
      }
    }
    for (const w of dropped.slice(0, RETENTION_PROBES_MAX)) {
      const [fromMs, toMs] = [w.fromMs ?? -this.o.epochMs, w.toMs];
      try {
        const count = await this.o.client.count({ startedAfterMs: fromMs + this.o.epochMs, startedBeforeMs: toMs + this.o.epochMs });
        call.probes.push({ what: "count", fromMs, toMs, outcome: "ok", count });
      } catch {
        call.probes.push({ what: "count", fromMs, toMs, outcome: "info" });
      }
    }
  }

  private inVirtualTime(r: RetentionReport): NonNullable<RetentionRecord["report"]> {
    return {
      cutoffMs: r.cutoffMs - this.o.epochMs,
      dropped: r.dropped.map((w) => ({ ...this.window(w.partition, w.fromMs, w.toMs), runs: w.runs })),
      heldBack: r.heldBack.map((w) => ({ ...w, ...this.window(w.partition, w.fromMs, w.toMs), reasons: [...w.reasons] })),
      runsRemoved: r.runsRemoved,
      partitionsNewer: r.partitionsNewer,
      defaultPartitionRows: r.defaultPartitionRows,
    };
  }

  private window(partition: string, fromMs: number | null, toMs: number): WindowRecord {
    return { partition, fromMs: fromMs === null ? null : fromMs - this.o.epochMs, toMs: toMs - this.o.epochMs };
  }
}
