/**
 * Measurements every system's results share: server commits and WAL
 * written (pg_stat_database, the WAL position), CPU time of Node processes
 * and of PostgreSQL backends (/proc), and latency percentiles.
 */
import { readFileSync, readdirSync } from "node:fs";
import pg from "pg";
import type { CpuShare, LatencyPercentiles } from "../model.ts";

export interface ServerCounters {
  commits: number;
  walBytes: number;
}

/** Commits of the current database and the WAL position, now. */
export async function serverCounters(client: pg.Client | pg.Pool): Promise<ServerCounters> {
  const { rows } = await client.query<{ commits: string; wal: string }>(
    "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::text AS commits, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal",
  );
  return { commits: Number(rows[0]!.commits), walBytes: Number(rows[0]!.wal) };
}

export function perUnit(before: ServerCounters, after: ServerCounters, units: number): { commitsPerUnit: number | null; walBytesPerUnit: number | null } {
  if (units <= 0) return { commitsPerUnit: null, walBytesPerUnit: null };
  return { commitsPerUnit: round((after.commits - before.commits) / units, 3), walBytesPerUnit: Math.round((after.walBytes - before.walBytes) / units) };
}

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU seconds (user + system) a process has used, or 0 if it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which is in parentheses and may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** utime, stime, cutime, cstime (seconds) and the parent pid of a process, or undefined if it is gone. */
function processTimes(pid: number): { own: number; reapedChildren: number; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      own: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
      reapedChildren: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND,
      ppid: Number(fields[1]),
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used by PostgreSQL on this machine: every live server
 * process, plus what the postmaster's exited children used (cutime/cstime),
 * so backends that end during a window are not lost from it. (It counts the
 * whole server: another client's work in the same window counts too.)
 */
export function postgresCpuSeconds(): number {
  const postgres = new Map<number, { own: number; reapedChildren: number; ppid: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      if (comm !== "postgres" && !comm.startsWith("postgres:")) continue;
      const times = processTimes(Number(entry));
      if (times) postgres.set(Number(entry), times);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  for (const times of postgres.values()) {
    total += times.own;
    // The postmaster (whose parent is not a postgres process) accounts for its reaped backends.
    if (!postgres.has(times.ppid)) total += times.reapedChildren;
  }
  return total;
}

export interface CpuSnapshot {
  node: number;
  postgres: number;
}

export function cpuSnapshot(nodePids: readonly number[]): CpuSnapshot {
  return { node: nodePids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0), postgres: postgresCpuSeconds() };
}

export function cpuShare(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const node = Math.max(0, after.node - before.node);
  const postgres = Math.max(0, after.postgres - before.postgres);
  return { nodeCpuSeconds: round(node, 2), postgresCpuSeconds: round(postgres, 2), nodeShare: node + postgres > 0 ? round(node / (node + postgres), 3) : 0 };
}

/** Nearest-rank percentiles of latency samples (ms), or null without samples. */
export function percentiles(samples: readonly number[]): LatencyPercentiles | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { p50: round(at(50), 2), p95: round(at(95), 2), p99: round(at(99), 2), samples: sorted.length };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
