/**
 * Reading pgbench (PostgreSQL 15) output: the summary it prints on stdout,
 * the progress lines it prints on stderr with -P, and the per-transaction
 * log files it writes with -l. Pure functions, so they are tested without a
 * server.
 */

export interface PgbenchSummary {
  /** "number of transactions actually processed". */
  processed: number;
  /** "number of failed transactions" (0 when the line is absent: older pgbench). */
  failed: number;
  latencyAverageMs: number;
  /** Printed only with -P, -R or -L. */
  latencyStddevMs: number | null;
  initialConnectionMs: number | null;
  /** "tps = ... (without initial connection time)". */
  tps: number;
}

export function parsePgbenchSummary(stdout: string): PgbenchSummary {
  const number = (re: RegExp): number | null => {
    const m = re.exec(stdout);
    return m ? Number(m[1]) : null;
  };
  const processed = number(/number of transactions actually processed:\s*(\d+)/);
  const tps = number(/tps = ([\d.]+) \(without initial connection time\)/);
  const latencyAverageMs = number(/latency average = ([\d.]+) ms/);
  if (processed === null || tps === null || latencyAverageMs === null) {
    throw new Error(`unrecognised pgbench output (expected transactions processed, latency average and tps):\n${stdout}`);
  }
  return {
    processed,
    failed: number(/number of failed transactions:\s*(\d+)/) ?? 0,
    latencyAverageMs,
    latencyStddevMs: number(/latency stddev = ([\d.]+) ms/),
    initialConnectionMs: number(/initial connection time = ([\d.]+) ms/),
    tps,
  };
}

/**
 * Latencies (ms) from a -l transaction log: one line per transaction,
 * `client_id transaction_no time script_no time_epoch time_us [...]`, where
 * `time` is the transaction's latency in microseconds. Failed transactions
 * log "failed" (or "skipped") instead of a time, and are left out.
 */
export function parsePgbenchLog(text: string): number[] {
  const latencies: number[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6) continue;
    const us = Number(fields[2]);
    if (Number.isFinite(us)) latencies.push(us / 1000);
  }
  return latencies;
}

/** tps of each -P progress line ("progress: 2.0 s, 2615.9 tps, lat 1.528 ms stddev 0.563, 0 failed"). */
export function parsePgbenchProgress(stderr: string): number[] {
  return [...stderr.matchAll(/^progress: [\d.]+ s, ([\d.]+) tps/gm)].map((m) => Number(m[1]));
}
