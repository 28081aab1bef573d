/**
 * `ratchet bench micro`: the micro-suite from a shell.
 *
 *   ratchet bench micro [--db pglite|postgres://...] [--quick] [--json]
 *
 * Prints a table (name, ops/s, mean, p99, vs baseline), or with --json the
 * MicroResult[] array. A progress line goes to stderr when it is a terminal
 * and --json is off. The database URL is taken as given (not from
 * DATABASE_URL); the default is the embedded PGlite.
 *
 * Exit codes (as the rest of the CLI): 0 measured; 2 bad usage; 3 the
 * database is unusable; 4 a bug (a stack trace is printed).
 */
import { parseArgs } from "node:util";
import { RatchetError } from "../../engine/errors.ts";
import { EXIT, exitCodeFor } from "../../engine/cli/exit-codes.ts";
import type { MicroResult } from "../model.ts";
import { isPostgresUrl } from "./database.ts";
import { BASELINE_TASK, formatMs, formatOps, runMicroSuite } from "./suite.ts";

export interface MicroIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

export const MICRO_HELP = `ratchet bench micro — tinybench timings of single engine operations

  ratchet bench micro [--db pglite|postgres://...] [--quick] [--json]
      Time one round trip (SELECT 1, the baseline), claims of 1/10/100 activity tasks, an activity
      completion, a workflow start, a history append (a signal), a workflow task completion, and
      replays of 10/100/1,000-event histories (no database). Each database task is also reported
      as its mean over the round trip's mean, measured in bursts just before and after it.
      --db      pglite (default, in-process) or a PostgreSQL URL; a fresh schema is created and dropped
      --quick   a few seconds in all (rough numbers, for smoke runs); default ~1 s per task
      --json    print the results as a JSON array of MicroResult

exit codes: 0 measured, 2 bad usage, 3 database unusable, 4 a bug
`;

class UsageError extends Error {}

export async function microMain(argv: string[], io: MicroIo): Promise<number> {
  let values: { db?: string; quick?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: { db: { type: "string" }, quick: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }));
    if (values.help) {
      io.stdout.write(MICRO_HELP);
      return EXIT.ok;
    }
    if (values.db !== undefined && values.db !== "pglite" && !isPostgresUrl(values.db)) {
      throw new UsageError(`invalid --db ${JSON.stringify(values.db)}: expected pglite or postgres://...`);
    }
  } catch (err) {
    io.stderr.write(`ratchet bench micro: ${(err as Error).message}\n`);
    return EXIT.badInput;
  }

  const json = values.json === true;
  const progress = new ProgressLine(io, !json && io.stderr.isTTY === true);
  try {
    const results = await runMicroSuite({ database: values.db ?? "pglite", quick: values.quick === true, progress: (line) => progress.show(line) });
    progress.done();
    io.stdout.write(json ? `${JSON.stringify(results, null, 2)}\n` : formatMicroTable(results, values.quick === true));
    return EXIT.ok;
  } catch (err) {
    progress.done();
    const code = exitCodeFor(err);
    io.stderr.write(`ratchet bench micro: ${err instanceof RatchetError ? err.message : ((err as Error).stack ?? String(err))}\n`);
    return code;
  }
}

/** The results as an aligned text table, with what the ratio means. */
export function formatMicroTable(results: readonly MicroResult[], quick: boolean): string {
  const rows = results.map((r) => [r.name, formatOps(r.opsPerSecond), `${formatMs(r.meanMs)} ms`, `${formatMs(r.p99Ms)} ms`, r.vsBaseline === null ? "-" : `${r.vsBaseline.toFixed(2)}x`]);
  const header = ["task", "ops/s", "mean", "p99", "vs baseline"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  const database = results[0]?.database ?? "?";
  return [
    `micro-benchmarks on ${database}${quick ? " (quick: rough numbers)" : ""}`,
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `vs baseline: the task's mean time over the mean of "${BASELINE_TASK}", measured in short bursts just before`,
    "and after that task in this run (the baseline row pools every burst); replay uses no database.",
    "",
  ].join("\n");
}

/** One line on a terminal, rewritten in place; silent otherwise. */
class ProgressLine {
  private shown = false;

  constructor(
    private readonly io: MicroIo,
    private readonly enabled: boolean,
  ) {}

  show(line: string): void {
    if (!this.enabled) return;
    this.io.stderr.write(`\r${line}\x1b[K`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.io.stderr.write("\r\x1b[K");
    this.shown = false;
  }
}
