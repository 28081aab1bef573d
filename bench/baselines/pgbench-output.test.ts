// Proves that pgbench 15's output is read right without a server: the
// summary (transactions, failures, latency average and stddev, tps without
// connection time), the per-transaction -l log (latency in µs -> ms, failed
// and skipped transactions left out), the -P progress lines — and that
// output in any other shape is an error, not a zero.
import { describe, expect, it } from "vitest";
import { parsePgbenchLog, parsePgbenchProgress, parsePgbenchSummary } from "./pgbench-output.ts";
import { findPgbench, pgbenchCandidates, scriptText } from "./pgbench.ts";

// Verbatim from pgbench (PostgreSQL) 15.20 on this machine, with -P 1.
const SUMMARY = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: /tmp/ratchet-pgbench-x/step.sql
scaling factor: 1
query mode: prepared
number of clients: 4
number of threads: 2
maximum number of tries: 1
duration: 5 s
number of transactions actually processed: 9012
number of failed transactions: 0 (0.000%)
latency average = 2.207 ms
latency stddev = 3.550 ms
initial connection time = 13.984 ms
tps = 1803.312345 (without initial connection time)
`;

describe("pgbench output", () => {
  it("reads the summary", () => {
    expect(parsePgbenchSummary(SUMMARY)).toEqual({
      processed: 9012,
      failed: 0,
      latencyAverageMs: 2.207,
      latencyStddevMs: 3.55,
      initialConnectionMs: 13.984,
      tps: 1803.312345,
    });
  });

  it("has no stddev without -P, and refuses output it does not recognise", () => {
    expect(parsePgbenchSummary(SUMMARY.replace(/latency stddev.*\n/, "")).latencyStddevMs).toBeNull();
    expect(() => parsePgbenchSummary("pgbench: error: connection to server failed\n")).toThrow(/unrecognised pgbench output/);
  });

  it("reads per-transaction latencies from a -l log, leaving failed ones out", () => {
    const log = ["0 1 2363 0 1795821638 434130", "1 1 669 0 1795821638 434166", "2 7 failed 0 1795821638 435000", "3 8 skipped 0 1795821638 435001", ""].join("\n");
    expect(parsePgbenchLog(log)).toEqual([2.363, 0.669]);
  });

  it("reads tps from progress lines", () => {
    const stderr = "progress: 1.0 s, 2136.9 tps, lat 1.862 ms stddev 2.1, 0 failed\nprogress: 2.0 s, 1962.0 tps, lat 2.031 ms stddev 3.0, 0 failed\n";
    expect(parsePgbenchProgress(stderr)).toEqual([2136.9, 1962]);
  });
});

describe("pgbench binary and script", () => {
  it("looks only at $RATCHET_PGBENCH when it is set, and finds nothing that is not there", () => {
    expect(pgbenchCandidates({ RATCHET_PGBENCH: "/opt/pg/bin/pgbench", PATH: "/usr/bin" })).toEqual(["/opt/pg/bin/pgbench"]);
    expect(pgbenchCandidates({ PATH: "/a:/b" })).toEqual(["/usr/bin/pgbench", "/a/pgbench", "/b/pgbench"]);
    expect(findPgbench(["/nonexistent/pgbench"])).toBeNull();
  });

  it("models one queue step as one transaction on the run's own schema, each client on its own rows", () => {
    const script = scriptText("bench_pgbench_0123456789abcdef");
    expect(script).toContain(":client_id * :rows_per_client");
    expect(script.match(/^(BEGIN|UPDATE|DELETE|INSERT|END)/gm)).toEqual(["BEGIN", "UPDATE", "DELETE", "INSERT", "END"]);
    expect(script).toContain('"bench_pgbench_0123456789abcdef".tasks');
    expect(() => scriptText('x"; DROP TABLE y; --')).toThrow(/invalid identifier/);
  });
});
