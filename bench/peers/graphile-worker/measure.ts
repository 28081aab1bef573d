/**
 * Measure the queue peers by hand, until `ratchet bench` drives them:
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
 *     npx tsx bench/peers/graphile-worker/measure.ts graphile-worker,pg-boss fanout,one-activity [key=value ...] [--warmup ms] [--window ms]
 *
 * Prints one line per result (progress on stderr), and every Result as JSON with --json.
 */
import type { BenchSystem, Result, WorkloadName } from "../../model.ts";

const SYSTEMS: Record<string, () => Promise<BenchSystem>> = {
  "graphile-worker": async () => (await import("./graphile-worker.ts")).graphileWorker,
  "pg-boss": async () => (await import("../pg-boss/pg-boss.ts")).pgBoss,
};

function summary(r: Result): string {
  const lat = (p: Result["scheduleToStartMs"]) => (p ? `p50 ${p.p50} p95 ${p.p95} p99 ${p.p99} (${p.samples})` : "-");
  return [
    `${r.system} ${r.workload}: ${r.perSecond} ${r.unit}/s (${r.count} in ${r.windowMs} ms)`,
    `  schedule-to-start ms: ${lat(r.scheduleToStartMs)}; end-to-end ms: ${lat(r.endToEndMs)}`,
    `  commits/unit ${r.commitsPerUnit}, WAL bytes/unit ${r.walBytesPerUnit}, cpu node ${r.cpu?.nodeCpuSeconds}s pg ${r.cpu?.postgresCpuSeconds}s (node share ${r.cpu?.nodeShare})`,
  ].join("\n");
}

async function main(argv: string[]): Promise<void> {
  const [systems, workloads, ...rest] = argv;
  if (!systems || !workloads) throw new Error("usage: measure.ts <systems,...> <workloads,...> [key=value ...] [--warmup ms] [--window ms] [--json]");
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("set DATABASE_URL=postgres://...");
  const config: Record<string, string | number | boolean> = {};
  let warmupMs = 2_000;
  let windowMs = 8_000;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--warmup") warmupMs = Number(rest[++i]);
    else if (arg === "--window") windowMs = Number(rest[++i]);
    else if (arg === "--json") json = true;
    else {
      const eq = arg.indexOf("=");
      if (eq <= 0) throw new Error(`expected key=value, got ${JSON.stringify(arg)}`);
      const raw = arg.slice(eq + 1);
      config[arg.slice(0, eq)] = Number.isFinite(Number(raw)) && raw !== "" ? Number(raw) : raw;
    }
  }
  for (const name of systems.split(",")) {
    const load = SYSTEMS[name];
    if (!load) throw new Error(`unknown system ${name}: ${Object.keys(SYSTEMS).join(", ")}`);
    const system = await load();
    for (const workload of workloads.split(",") as WorkloadName[]) {
      const result = await system.run({ databaseUrl, workload, config, warmupMs, windowMs, progress: (m) => process.stderr.write(`  ${m}\n`) });
      process.stdout.write(`${json ? JSON.stringify(result, null, 2) : summary(result)}\n`);
    }
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
