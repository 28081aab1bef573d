import { ratchet } from "./bench/ratchet/system.ts";
const workload = (process.argv[2] ?? "one-activity") as any;
const config = JSON.parse(process.argv[3] ?? "{}");
const r = await ratchet.run({ databaseUrl: "postgres://postgres@127.0.0.1:5432/test", workload, config, warmupMs: 2000, windowMs: 5000, progress: (m) => console.error(m) });
console.log(JSON.stringify({ perSecond: r.perSecond, unit: r.unit, count: r.count, s2s: r.scheduleToStartMs, e2e: r.endToEndMs, commits: r.commitsPerUnit, wal: r.walBytesPerUnit, cpu: r.cpu, notes: r.notes }));
