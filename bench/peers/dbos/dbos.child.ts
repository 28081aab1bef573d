/**
 * A DBOS worker process (dbos.ts starts `workers` of them): launches DBOS
 * against the run's own system database, then keeps `concurrency` workflows
 * in flight, each started in this process by calling the registered workflow
 * function — DBOS runs a workflow where it is started, which is its fastest
 * path (a queue would add a polled dequeue between start and run).
 *
 * Counts: workflows completed, and step checkpoints (a step's promise
 * resolves after DBOS has recorded its output). Samples: from calling the
 * workflow to its first step's body running (scheduleToStart), and to the
 * workflow's return (endToEnd).
 */
import { serveChild, type ChildWorkload } from "../../baselines/child-runtime.ts";

export interface DbosChildInit {
  systemDatabaseUrl: string;
  /** Only the first child migrates the system database; the others start after it. */
  runMigrations: boolean;
  appName: string;
  executorId: string;
  /** Workflows in flight at once in this process. */
  concurrency: number;
  /** DBOS's systemDatabasePoolSize. */
  connections: number;
  stepsPerWorkflow: number;
  payloadBytes: number;
}

serveChild(async (raw, ctx): Promise<ChildWorkload> => {
  const init = raw as unknown as DbosChildInit;
  const { DBOS } = await import("@dbos-inc/dbos-sdk");
  const counts = { workflows: 0, steps: 0 };
  const payload = "x".repeat(init.payloadBytes);

  const noopStep = DBOS.registerStep(
    async (index: number, startedAtMs: number, input: string): Promise<string> => {
      if (index === 0) ctx.sample("scheduleToStart", performance.now() - startedAtMs);
      return input;
    },
    { name: "noopStep" },
  );
  const benchWorkflow = DBOS.registerWorkflow(
    async (startedAtMs: number, input: string): Promise<void> => {
      for (let i = 0; i < init.stepsPerWorkflow; i++) {
        await noopStep(i, startedAtMs, input);
        counts.steps++;
      }
    },
    { name: "benchWorkflow" },
  );

  DBOS.setConfig({
    name: init.appName,
    systemDatabaseUrl: init.systemDatabaseUrl,
    systemDatabasePoolSize: init.connections,
    executorID: init.executorId,
    runMigrations: init.runMigrations,
    logLevel: "error",
  });
  await DBOS.launch();

  let stopping = false;
  let slots: Promise<void>[] = [];
  async function slot(): Promise<void> {
    while (!stopping) {
      const startedAtMs = performance.now();
      await benchWorkflow(startedAtMs, payload);
      counts.workflows++;
      ctx.sample("endToEnd", performance.now() - startedAtMs);
    }
  }

  return {
    go() {
      slots = Array.from({ length: init.concurrency }, () => slot().catch((err) => ctx.fail(err)));
    },
    counts: () => ({ ...counts }),
    async stop() {
      stopping = true;
      await Promise.all(slots);
      await DBOS.shutdown();
    },
  };
});
