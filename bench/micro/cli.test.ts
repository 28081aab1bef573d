// `ratchet bench micro` (microMain): bad flags exit 2 before anything runs;
// --json prints a MicroResult[] and nothing on stderr even on a terminal; the
// table names every task with ops/s, mean, p99 and the ratio; the progress
// line appears only on a terminal.
import { describe, expect, it } from "vitest";
import type { MicroResult } from "../model.ts";
import { formatMicroTable, microMain } from "./cli.ts";
import { MICRO_TASK_NAMES } from "./suite.ts";

function captureIo(isTTY: boolean) {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t), isTTY } },
  };
}

describe("microMain", () => {
  it("exits 2 on a bad --db or an unknown flag, without running", async () => {
    for (const argv of [["--db", "mysql://x"], ["--bogus"], ["extra"]]) {
      const { io, out } = captureIo(false);
      expect(await microMain(argv, io), argv.join(" ")).toBe(2);
      expect(out.stdout).toBe("");
      expect(out.stderr).toMatch(/^ratchet bench micro: /);
    }
  });

  it("--help prints usage and exits 0", async () => {
    const { io, out } = captureIo(false);
    expect(await microMain(["--help"], io)).toBe(0);
    expect(out.stdout).toContain("ratchet bench micro [--db pglite|postgres://...] [--quick] [--json]");
  });

  it("exits 3 when the server cannot be reached", async () => {
    const { io, out } = captureIo(false);
    expect(await microMain(["--quick", "--db", "postgres://postgres@127.0.0.1:1/none"], io)).toBe(3);
    expect(out.stderr).toContain("cannot reach PostgreSQL");
  });

  it("--json prints every task as MicroResult, and no progress even on a terminal", async () => {
    const { io, out } = captureIo(true);
    expect(await microMain(["--quick", "--json"], io)).toBe(0);
    const results = JSON.parse(out.stdout) as MicroResult[];
    expect(results.map((r) => r.name)).toEqual([...MICRO_TASK_NAMES]);
    expect(results.every((r) => r.database === "pglite" && r.opsPerSecond > 0)).toBe(true);
    expect(out.stderr).toBe("");
  });

  it("prints the table, with a progress line on a terminal", async () => {
    const { io, out } = captureIo(true);
    expect(await microMain(["--quick"], io), out.stderr).toBe(0);
    for (const name of MICRO_TASK_NAMES) expect(out.stdout).toContain(name);
    expect(out.stderr).toContain("micro 2/11 claim 1 ...");
  });
});

describe("formatMicroTable", () => {
  it("aligns name, ops/s, mean, p99 and the ratio; replay shows no ratio", () => {
    const rows: MicroResult[] = [
      { name: "round trip (SELECT 1)", database: "postgres", opsPerSecond: 6000, meanMs: 0.1667, p99Ms: 0.5, samples: 6000, vsBaseline: 1 },
      { name: "claim 10", database: "postgres", opsPerSecond: 1500.5, meanMs: 0.6664, p99Ms: 2.25, samples: 1500, vsBaseline: 4 },
      { name: "replay 10 events", database: "postgres", opsPerSecond: 50000, meanMs: 0.02, p99Ms: 0.04, samples: 50000, vsBaseline: null },
    ];
    const lines = formatMicroTable(rows, false).split("\n");
    expect(lines[0]).toBe("micro-benchmarks on postgres");
    expect(lines[2]).toMatch(/^task\s+ops\/s\s+mean\s+p99\s+vs baseline$/);
    expect(lines.find((l) => l.startsWith("claim 10"))).toMatch(/1,501\s+0\.666 ms\s+2\.25 ms\s+4\.00x$/);
    expect(lines.find((l) => l.startsWith("replay 10 events"))).toMatch(/\s-$/);
  });
});
