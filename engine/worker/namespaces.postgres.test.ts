/**
 * Two namespaces (schemas) on one PostgreSQL server, each with its own
 * workers on their own sessions, the same task queue name and the same
 * workflow ids in both, run side by side while the server kills one of
 * namespace A's workers' sessions mid-run: no worker claims or runs a task
 * of the other namespace's runs, every accepted start completes in its own
 * namespace with its own workers' results, and list, count, describe and
 * history in one never show the other's runs. PGlite is one session and
 * cannot run the two sets of workers against each other.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { PgDriver } from "../db/pg-driver.ts";
import { silentLogger } from "../ports/logger.ts";
import { Store } from "../store/store.ts";
import { postgresUrl, testDatabase, type TestDatabase } from "../testing/databases.ts";
import type { ActivityContext, WorkflowContext } from "../workflow/types.ts";
import type { WorkerObservation } from "./hooks.ts";
import { Worker } from "./worker.ts";

/** Both namespaces use this queue name and the ids order-0 .. order-(n-1): only the schema tells them apart. */
const QUEUE = "orders";
const WORKFLOWS = { A: 24, B: 16 } as const;
type Namespace = keyof typeof WORKFLOWS;

interface Step {
  ns: Namespace;
  by: string;
}

describe.skipIf(!postgresUrl())("namespaces on PostgreSQL (skipped without DATABASE_URL)", () => {
  const dbs = {} as Record<Namespace, TestDatabase>;
  const drivers: PgDriver[] = [];

  beforeAll(async () => {
    dbs.A = await testDatabase("postgres", { prefix: "ns_a" });
    dbs.B = await testDatabase("postgres", { prefix: "ns_b" });
  });
  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close().catch(() => {})));
    await dbs.A?.close();
    await dbs.B?.close();
  });

  it("keeps each namespace's runs, tasks and visibility to itself, through a killed backend", async () => {
    /** What each worker claimed and ran, by run id. */
    const claimedBy = new Map<string, Array<{ ns: Namespace; runId: string }>>();
    const ranBy = new Map<string, Array<{ ns: Namespace; runId: string }>>();
    const workflows = {
      async order(ctx: WorkflowContext, input: { ns: Namespace; i: number }) {
        const first = await ctx.activity<Step>("step", { ns: input.ns, i: input.i, n: 1 });
        await ctx.sleep(20);
        const second = await ctx.activity<Step>("step", { ns: input.ns, i: input.i, n: 2 });
        return { ns: input.ns, steps: [first, second] };
      },
    };
    /** What a-1's driver said of its sessions: a session killed while idle is only heard here, not as a failed query. */
    const sessionsLost: string[] = [];
    const workerOf = (ns: Namespace, name: string): Worker => {
      const logger = name === "a-1" ? { log: (_level: string, message: string) => void (/session (lost|error)/.test(message) && sessionsLost.push(message)) } : silentLogger;
      const driver = new PgDriver({ connectionString: postgresUrl()!, maxConnections: 3, applicationName: `ratchet-ns-${dbs[ns].schema}-${name}`, logger });
      drivers.push(driver);
      claimedBy.set(name, []);
      ranBy.set(name, []);
      return new Worker({
        store: new Store(driver, { schema: dbs[ns].schema }),
        taskQueue: QUEUE,
        workflows,
        activities: {
          async step(input: { ns: Namespace; i: number; n: number }, ctx: ActivityContext): Promise<Step> {
            ranBy.get(name)!.push({ ns: input.ns, runId: ctx.runId });
            await new Promise((r) => setTimeout(r, 2 + (input.i % 4)));
            return { ns, by: name };
          },
        },
        identity: name,
        pollIntervalMs: 50,
        claimBatchSize: 4,
        logger: silentLogger,
        observer: (o: WorkerObservation) => {
          if (o.type === "claimed") claimedBy.get(name)!.push({ ns, runId: o.runId });
        },
      });
    };
    const workers = { A: [workerOf("A", "a-1"), workerOf("A", "a-2")], B: [workerOf("B", "b-1"), workerOf("B", "b-2")] };
    const clients = { A: new Client({ store: dbs.A.store }), B: new Client({ store: dbs.B.store }) };
    await Promise.all([...workers.A, ...workers.B].map((w) => w.start()));
    const runIds = { A: new Set<string>(), B: new Set<string>() };
    try {
      const start = async (ns: Namespace, i: number) => {
        const handle = await clients[ns].start("order", { workflowId: `order-${i}`, taskQueue: QUEUE, input: { ns, i } });
        runIds[ns].add(handle.runId);
        return handle;
      };
      const half = (ns: Namespace) => Array.from({ length: WORKFLOWS[ns] / 2 }, (_, i) => i);
      const handles = await Promise.all([...half("A").map((i) => start("A", i)), ...half("B").map((i) => start("B", i))]);
      // The server kills worker a-1's sessions while both namespaces have work in flight.
      const killed = await dbs.B.db.query<{ n: number }>({
        text: "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1",
        values: [`ratchet-ns-${dbs.A.schema}-a-1`],
      });
      expect(killed[0]!.n).toBeGreaterThan(0);
      const rest = (ns: Namespace) => Array.from({ length: WORKFLOWS[ns] / 2 }, (_, i) => i + WORKFLOWS[ns] / 2);
      handles.push(...(await Promise.all([...rest("A").map((i) => start("A", i)), ...rest("B").map((i) => start("B", i))])));
      for (const h of handles) {
        const result = (await h.result({ timeoutMs: 60_000, pollMs: 20 })) as { ns: Namespace; steps: Step[] };
        const ns: Namespace = runIds.A.has(h.runId) ? "A" : "B";
        expect(result.ns).toBe(ns);
        // Every step ran on a worker of the run's own namespace.
        for (const step of result.steps) expect(step).toMatchObject({ ns, by: expect.stringMatching(ns === "A" ? /^a-/ : /^b-/) });
      }
    } finally {
      await Promise.all([...workers.A, ...workers.B].map((w) => w.shutdown()));
    }
    expect(runIds.A.size).toBe(WORKFLOWS.A);
    expect(runIds.B.size).toBe(WORKFLOWS.B);
    // No worker claimed a task of the other namespace's runs, and each namespace's workers did its work.
    for (const [name, claims] of claimedBy) {
      const ns: Namespace = name.startsWith("a-") ? "A" : "B";
      const other = ns === "A" ? runIds.B : runIds.A;
      expect(claims.filter((c) => other.has(c.runId))).toEqual([]);
      expect(claims.every((c) => runIds[ns].has(c.runId)), `${name} claimed a run its namespace never started`).toBe(true);
      expect(ranBy.get(name)!.filter((r) => r.ns !== ns || !runIds[ns].has(r.runId))).toEqual([]);
    }
    // Each namespace's two steps per run were run by its own workers (at least once each), and a-1 saw its sessions die.
    for (const ns of ["A", "B"] as const) {
      const ran = new Set([...ranBy].filter(([name]) => name.startsWith(ns === "A" ? "a-" : "b-")).flatMap(([, steps]) => steps.map((s) => s.runId)));
      expect(ran).toEqual(runIds[ns]);
    }
    // Its sessions died under it: a query failed (counted by the worker), or an idle session's end was heard by its driver.
    expect(workers.A[0]!.stats.databaseErrors + sessionsLost.length).toBeGreaterThan(0);
    // Visibility, describe and history see only the namespace's own runs, though the ids are the same.
    for (const ns of ["A", "B"] as const) {
      const other = ns === "A" ? "B" : "A";
      expect(await clients[ns].count({})).toBe(WORKFLOWS[ns]);
      expect(await clients[ns].count({ status: "completed" })).toBe(WORKFLOWS[ns]);
      const listed: string[] = [];
      for (let token: string | null | undefined; ; ) {
        const page = await clients[ns].list({ pageSize: 7, ...(token ? { pageToken: token } : {}) });
        listed.push(...page.workflows.map((w) => w.runId));
        token = page.nextPageToken;
        if (!token) break;
      }
      expect(new Set(listed)).toEqual(runIds[ns]);
      for (const runId of runIds[other]) {
        await expect(clients[ns].describe("order-0", runId)).rejects.toMatchObject({ code: "WORKFLOW_NOT_FOUND" });
      }
      const { runId, events } = await clients[ns].history("order-0");
      expect(runIds[ns].has(runId)).toBe(true);
      expect(events.at(-1)!.type).toBe("WorkflowCompleted");
      // An id only A started: B has never heard of it.
      const onlyInA = clients[ns].describe(`order-${WORKFLOWS.A - 1}`);
      if (ns === "A") expect(runIds.A.has((await onlyInA).runId)).toBe(true);
      else await expect(onlyInA).rejects.toMatchObject({ code: "WORKFLOW_NOT_FOUND" });
    }
  }, 120_000);
});
