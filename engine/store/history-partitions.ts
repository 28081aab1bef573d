/**
 * History partitions and retention.
 *
 * History is partitioned by run id range (migration 0007), and run ids are
 * UUIDv7 — their first 48 bits are the creating clock's milliseconds — so
 * each partition holds every event of the runs created in one window of
 * time. Retention then removes a window's history by dropping its partition
 * (a catalog change and a file unlink, however many events it holds) instead
 * of deleting its rows (one dead tuple per event, index cleanup and a vacuum
 * to follow): reports/retention.md measures the two.
 *
 * - ensure(): creates the windows around now (the current one and
 *   `aheadWindows` more) and a window for any rows the DEFAULT partition
 *   holds — it takes whatever run id no window covers, so an insert never
 *   fails — moving those rows in as it goes. Windows are aligned to
 *   multiples of `windowMs` since the epoch and clipped to the gaps between
 *   existing partitions, so partitions never overlap whatever window sizes
 *   callers use. Idempotent; callers serialise on an advisory lock.
 * - retain(): drops each partition whose whole window is older than the
 *   cutoff and whose runs all closed before it, deleting those runs' rows
 *   in the same transaction. A window with a run still running, closed
 *   after the cutoff, or with a task pending is held back and reported.
 *
 * Time comes in as parameters (nowMs): the engine's Clock decides.
 */
import type { SqlDriver, SqlSession } from "../db/driver.ts";
import { DatabaseError } from "../errors.ts";
import {
  HISTORY_DDL_LOCK_TIMEOUT_MS,
  HISTORY_PARTITIONS_CREATED_MAX,
  HISTORY_WINDOW_MS_DEFAULT,
  HISTORY_WINDOW_MS_MAX,
  HISTORY_WINDOW_MS_MIN,
  HISTORY_WINDOWS_AHEAD_DEFAULT,
  HISTORY_WINDOWS_AHEAD_MAX,
  RETENTION_AGE_MS_MAX,
} from "../limits.ts";
import { checkInteger } from "../names.ts";
import { PartitionQueries } from "./partition-queries.ts";
import { runIdAtMs } from "./run-id-time.ts";

/** One partition of history other than the default: run ids [fromRunId, toRunId). */
export interface HistoryPartition {
  name: string;
  /** null: MINVALUE (the partition the migration made of the table it found). */
  fromRunId: string | null;
  /** null: MAXVALUE. */
  toRunId: string | null;
}

export interface EnsurePartitionsOptions {
  nowMs: number;
  /** Default HISTORY_WINDOW_MS_DEFAULT (a day). */
  windowMs?: number;
  /** Windows to create after the current one. Default HISTORY_WINDOWS_AHEAD_DEFAULT. */
  aheadWindows?: number;
}

export interface EnsurePartitionsReport {
  created: Array<{ partition: string; fromMs: number; toMs: number; movedRows: number }>;
  /** The default partition still holds rows that have a window to go to: the next call creates more (HISTORY_PARTITIONS_CREATED_MAX per call). */
  more: boolean;
}

export interface RetentionOptions {
  /** Remove the history of runs closed more than this long ago (and whose whole window is that old). */
  olderThanMs: number;
  nowMs: number;
  /** Report what would be dropped, and change nothing. */
  dryRun?: boolean;
}

/** Why a window whose time has passed is kept. */
export type HoldReason = "runningRuns" | "recentlyClosedRuns" | "pendingTasks" | "lockTimeout";

export interface RetentionReport {
  /** nowMs - olderThanMs: windows ending at or before it, whose runs all closed before it, are dropped. */
  cutoffMs: number;
  dryRun: boolean;
  /** Partitions dropped (with dryRun: that would be), oldest first; fromMs null for the one reaching down to the lowest run id. */
  dropped: Array<{ partition: string; fromMs: number | null; toMs: number; runs: number }>;
  /** Partitions old enough but kept, and why. */
  heldBack: Array<{ partition: string; fromMs: number | null; toMs: number; runs: number; runningRuns: number; recentlyClosedRuns: number; pendingTasks: number; reasons: HoldReason[] }>;
  /** Runs whose rows went with their partitions (with dryRun: would). */
  runsRemoved: number;
  /** Partitions whose window reaches past the cutoff: not examined. */
  partitionsNewer: number;
  /** History rows in the default partition, which retention never drops (ensure() moves them into windows). */
  defaultPartitionRows: number;
}

const RUN_ID_MIN = "00000000-0000-0000-0000-000000000000";
const MS_MAX = 2 ** 48 - 1;
const BOUND = /^FOR VALUES FROM \((MINVALUE|'([0-9a-f-]{36})')\) TO \((MAXVALUE|'([0-9a-f-]{36})')\)$/;

export class HistoryPartitions {
  constructor(
    private readonly db: SqlDriver,
    schema: string,
    /** The statements; the store passes its own (Store.historyPartitions), so a subclass can change one. */
    private readonly q: PartitionQueries = new PartitionQueries(schema),
  ) {}

  /** The partitions of history other than the default, by run id. */
  async list(session: SqlSession = this.db): Promise<HistoryPartition[]> {
    const rows = await session.query<{ name: string; bound: string }>(this.q.listPartitions());
    const partitions: HistoryPartition[] = [];
    for (const r of rows) {
      if (r.bound === "DEFAULT") continue;
      const m = BOUND.exec(r.bound);
      if (!m) throw new DatabaseError(`history partition ${r.name} has bounds this code cannot read: ${r.bound}`, { partition: r.name, bound: r.bound });
      partitions.push({ name: r.name, fromRunId: m[2] ?? null, toRunId: m[4] ?? null });
    }
    return partitions.sort((a, b) => (a.fromRunId ?? "").localeCompare(b.fromRunId ?? ""));
  }

  /** Create the partitions history needs now (see the file comment). Safe to call from many processes at once. */
  async ensure(o: EnsurePartitionsOptions): Promise<EnsurePartitionsReport> {
    const windowMs = checkInteger(o.windowMs ?? HISTORY_WINDOW_MS_DEFAULT, "windowMs", HISTORY_WINDOW_MS_MIN, HISTORY_WINDOW_MS_MAX);
    const ahead = checkInteger(o.aheadWindows ?? HISTORY_WINDOWS_AHEAD_DEFAULT, "aheadWindows", 0, HISTORY_WINDOWS_AHEAD_MAX);
    const nowMs = checkInteger(o.nowMs, "nowMs", 0, MS_MAX);
    return this.db.transaction(async (tx) => {
      await tx.query(this.q.lockTimeout(HISTORY_DDL_LOCK_TIMEOUT_MS));
      await tx.query(this.q.lockPartitionDdl());
      const existing = (await this.list(tx)).map(msRange);
      const current = windowStart(nowMs, windowMs);
      const windows = new Set<number>();
      for (let i = 0; i <= ahead && current + i * windowMs < MS_MAX; i++) windows.add(current + i * windowMs);
      // The windows of rows the default partition holds: from one to the next through its primary key.
      let more = false;
      for (let probe = RUN_ID_MIN; ; ) {
        const [row] = await tx.query<{ run_id: string }>(this.q.firstDefaultRunId(probe));
        if (!row) break;
        const start = windowStart(runIdMs(row.run_id), windowMs);
        if (!windows.has(start) && windows.size >= ahead + 1 + HISTORY_PARTITIONS_CREATED_MAX) {
          more = true;
          break;
        }
        windows.add(start);
        if (start + windowMs >= MS_MAX) break;
        probe = runIdAtMs(start + windowMs);
      }
      const created: EnsurePartitionsReport["created"] = [];
      for (const start of [...windows].sort((a, b) => a - b)) {
        for (const [fromMs, toMs] of gaps([start, Math.min(start + windowMs, MS_MAX)], existing)) {
          if (created.length >= HISTORY_PARTITIONS_CREATED_MAX) return { created, more: true };
          const partition = partitionName(fromMs);
          const [from, to] = [runIdAtMs(fromMs), runIdAtMs(toMs)];
          if (created.length === 0) await tx.query(this.q.lockHistoryWrites());
          await tx.query(this.q.createPartitionTable(partition));
          const [moved] = await tx.query<{ n: number }>(this.q.moveFromDefault(partition, from, to));
          await tx.query(this.q.attachPartition(partition, from, to));
          existing.push([fromMs, toMs]);
          created.push({ partition, fromMs, toMs, movedRows: Number(moved?.n ?? 0) });
        }
      }
      return { created, more };
    });
  }

  /** Drop the partitions of windows whose runs all closed before the cutoff (see the file comment). */
  async retain(o: RetentionOptions): Promise<RetentionReport> {
    const olderThanMs = checkInteger(o.olderThanMs, "olderThanMs", 0, RETENTION_AGE_MS_MAX);
    const cutoffMs = checkInteger(o.nowMs, "nowMs", 0, MS_MAX) - olderThanMs;
    const report: RetentionReport = { cutoffMs, dryRun: o.dryRun ?? false, dropped: [], heldBack: [], runsRemoved: 0, partitionsNewer: 0, defaultPartitionRows: 0 };
    for (const p of await this.list()) {
      const [fromMs, toMs] = msRange(p);
      if (toMs > cutoffMs) {
        report.partitionsNewer += 1;
        continue;
      }
      const window = { partition: p.name, fromMs: p.fromRunId === null ? null : fromMs, toMs };
      const [from, to] = [p.fromRunId ?? RUN_ID_MIN, p.toRunId!];
      const held = await this.holds(this.db, from, to, cutoffMs);
      if (held.reasons.length > 0) {
        report.heldBack.push({ ...window, ...held });
        continue;
      }
      if (report.dryRun) {
        report.dropped.push({ ...window, runs: held.runs });
        report.runsRemoved += held.runs;
        continue;
      }
      const outcome = await this.dropWindow(p.name, from, to, cutoffMs);
      if ("held" in outcome) report.heldBack.push({ ...window, ...outcome.held });
      else if (outcome.dropped) {
        report.dropped.push({ ...window, runs: outcome.runs });
        report.runsRemoved += outcome.runs;
      }
    }
    const [rows] = await this.db.query<{ n: number }>(this.q.countDefaultRows());
    report.defaultPartitionRows = Number(rows?.n ?? 0);
    return report;
  }

  /** What keeps a window's partition: its runs' states and pending tasks. */
  private async holds(session: SqlSession, from: string, to: string, cutoffMs: number): Promise<Omit<RetentionReport["heldBack"][number], "partition" | "fromMs" | "toMs">> {
    const [r] = await session.query<{ runs: number; running: number; recently_closed: number; pending_tasks: number }>(this.q.windowRuns(from, to, cutoffMs));
    const counts = { runs: Number(r?.runs ?? 0), runningRuns: Number(r?.running ?? 0), recentlyClosedRuns: Number(r?.recently_closed ?? 0), pendingTasks: Number(r?.pending_tasks ?? 0) };
    const reasons: HoldReason[] = [];
    if (counts.runningRuns > 0) reasons.push("runningRuns");
    if (counts.recentlyClosedRuns > 0) reasons.push("recentlyClosedRuns");
    if (counts.pendingTasks > 0) reasons.push("pendingTasks");
    return { ...counts, reasons };
  }

  /**
   * Drop one window's partition and delete its runs, in one transaction.
   * The partition is locked first, so no transaction that reads or appends
   * its history is in flight, and the check is made again under the lock:
   * a run that started in the window since the first look holds it back. A
   * start whose run id falls in the window (a clock behind by more than the
   * retention age) blocks on the lock and fails when the partition is gone,
   * its run row with it — never a run without its history.
   */
  private async dropWindow(name: string, from: string, to: string, cutoffMs: number): Promise<{ dropped: boolean; runs: number } | { held: Awaited<ReturnType<HistoryPartitions["holds"]>> }> {
    try {
      return await this.db.transaction(async (tx) => {
        await tx.query(this.q.lockTimeout(HISTORY_DDL_LOCK_TIMEOUT_MS));
        await tx.query(this.q.lockPartitionDdl());
        if (!(await this.list(tx)).some((p) => p.name === name)) return { dropped: false, runs: 0 }; // another caller dropped it
        await tx.query(this.q.lockPartition(name));
        const held = await this.holds(tx, from, to, cutoffMs);
        if (held.reasons.length > 0) return { held };
        const [gone] = await tx.query<{ n: number }>(this.q.deleteWindowRuns(from, to));
        await tx.query(this.q.dropPartition(name));
        return { dropped: true, runs: Number(gone?.n ?? 0) };
      });
    } catch (err) {
      if (!(err instanceof DatabaseError) || err.details.sqlState !== "55P03") throw err;
      return { held: { runs: 0, runningRuns: 0, recentlyClosedRuns: 0, pendingTasks: 0, reasons: ["lockTimeout"] } };
    }
  }
}

/** The millisecond a UUIDv7 was created in (its first 48 bits). */
export function runIdMs(runId: string): number {
  return parseInt(runId.slice(0, 8) + runId.slice(9, 13), 16);
}

export function windowStart(ms: number, windowMs: number): number {
  return Math.floor(ms / windowMs) * windowMs;
}

/** A partition's run ids as milliseconds [from, to), widened to whole milliseconds (so gaps() never overlaps it). */
function msRange(p: HistoryPartition): [number, number] {
  const from = p.fromRunId === null ? 0 : runIdMs(p.fromRunId);
  if (p.toRunId === null) return [from, MS_MAX];
  const to = runIdMs(p.toRunId);
  return [from, p.toRunId === runIdAtMs(to) ? to : to + 1];
}

/** The parts of [from, to) that none of `taken` covers, in order. */
export function gaps([from, to]: [number, number], taken: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const free: Array<[number, number]> = [];
  let at = from;
  for (const [a, b] of [...taken].sort((x, y) => x[0] - y[0])) {
    if (b <= at || a >= to) continue;
    if (a > at) free.push([at, a]);
    at = Math.max(at, b);
    if (at >= to) break;
  }
  if (at < to) free.push([at, to]);
  return free;
}

/** history_YYYYMMDD_HHMMSS (UTC) of the window's start, and _mmm when it does not start on a second. */
export function partitionName(fromMs: number): string {
  const iso = new Date(fromMs).toISOString(); // 2026-01-01T00:00:00.000Z
  const name = `history_${iso.slice(0, 10).replaceAll("-", "")}_${iso.slice(11, 19).replaceAll(":", "")}`;
  return fromMs % 1000 === 0 ? name : `${name}_${iso.slice(20, 23)}`;
}
