/**
 * Run one baseline or peer by hand, until `ratchet bench` drives them:
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
 *     npx tsx bench/baselines/run-system.ts sql-ceiling one-activity workers=2 batch=100 --warmup 2000 --window 8000
 *
 * Prints the Result as JSON on stdout (progress on stderr). Settings are
 * key=value; numbers and true/false are parsed as such.
 */
import type { BenchSystem, WorkloadName } from "../model.ts";
import { BenchError } from "./errors.ts";

const SYSTEMS: Record<string, () => Promise<BenchSystem>> = {
  "sql-ceiling": async () => (await import("./sql-ceiling.ts")).sqlCeiling,
  pgbench: async () => (await import("./pgbench.ts")).pgbench,
  dbos: async () => (await import("../peers/dbos/dbos.ts")).dbos,
};

async function main(argv: string[]): Promise<void> {
  const [systemName, workload, ...rest] = argv;
  const load = systemName ? SYSTEMS[systemName] : undefined;
  if (!load || !workload) {
    process.stderr.write(`usage: run-system.ts <${Object.keys(SYSTEMS).join("|")}> <workload> [key=value ...] [--warmup ms] [--window ms]\n`);
    process.exit(2);
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("set DATABASE_URL=postgres://...");
  const config: Record<string, string | number | boolean> = {};
  let warmupMs = 2_000;
  let windowMs = 8_000;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--warmup") warmupMs = Number(rest[++i]);
    else if (arg === "--window") windowMs = Number(rest[++i]);
    else {
      const eq = arg.indexOf("=");
      if (eq <= 0) throw new Error(`expected key=value, got ${JSON.stringify(arg)}`);
      const raw = arg.slice(eq + 1);
      config[arg.slice(0, eq)] = raw === "true" ? true : raw === "false" ? false : Number.isFinite(Number(raw)) && raw !== "" ? Number(raw) : raw;
    }
  }
  const system = await load();
  const version = await system.version();
  const result = await system.run({
    databaseUrl,
    workload: workload as WorkloadName,
    config,
    warmupMs,
    windowMs,
    progress: (m) => process.stderr.write(`${system.name}: ${m}\n`),
  });
  process.stdout.write(`${JSON.stringify({ version, ...result }, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof BenchError) process.stderr.write(`${err.code}: ${err.message}\n`);
  else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
