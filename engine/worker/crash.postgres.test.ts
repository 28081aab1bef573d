/**
 * A worker process killed with SIGKILL in the middle of an activity: another
 * worker finishes the workflow once the lease expires, the history records
 * the activity's result exactly once, and it came from attempt 2.
 *
 * This needs a real server: the killed process's sessions die with it, as
 * they would in production.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { silentLogger } from "../ports/logger.ts";
import { postgresUrl, testDatabase, type TestDatabase } from "../testing/databases.ts";
import { chargeActivities, workflows } from "./fixtures/crash-workflows.ts";
import { Worker } from "./worker.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/crash-worker.ts", import.meta.url));

describe.skipIf(!postgresUrl())("worker process killed mid-activity (PostgreSQL; skipped without DATABASE_URL)", () => {
  let t: TestDatabase;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    t = await testDatabase("postgres", { prefix: "crash" });
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await t?.close();
  });

  it("SIGKILL during an activity: a second worker completes it after the lease expires, result recorded once, attempt 2", async () => {
    const queue = "crash-q";
    child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
      env: { ...process.env, RATCHET_SCHEMA: t.schema, RATCHET_QUEUE: queue },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: string[] = [];
    const waitForLine = (prefix: string) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = lines.find((l) => l.startsWith(prefix));
          if (line) resolve(line);
        };
        child!.stdout!.on("data", (chunk: Buffer) => {
          lines.push(...chunk.toString().split("\n").filter(Boolean));
          check();
        });
        child!.on("exit", (code, signal) => reject(new Error(`worker process exited early (${code ?? signal}) after: ${lines.join(" | ")}`)));
        check();
      });

    await waitForLine("READY");
    const client = new Client({ store: t.store });
    const handle = await client.start("crashOnce", { workflowId: "order-1", taskQueue: queue, input: { amount: 42 } });
    const started = await waitForLine("STARTED");
    expect(started).toBe(`STARTED ${handle.runId}:1 attempt=1`);

    const exited = new Promise<NodeJS.Signals | null>((resolve) => child!.on("exit", (_code, signal) => resolve(signal)));
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const during = await handle.describe();
    expect(during.pendingActivities).toMatchObject([{ activityType: "charge", attempt: 1 }]);

    const rescuer = new Worker({
      store: t.store,
      taskQueue: queue,
      workflows,
      activities: chargeActivities("rescuer", false, () => {}),
      identity: "rescuer",
      pollIntervalMs: 100,
      logger: silentLogger,
    });
    await rescuer.start();
    try {
      const result = await handle.result({ timeoutMs: 30_000, pollMs: 50 });
      expect(result).toEqual({ receipt: { charged: 42, attempt: 2, by: "rescuer" } });
    } finally {
      await rescuer.shutdown();
    }
    const { events } = await handle.history();
    const completions = events.filter((e) => e.type === "ActivityCompleted");
    expect(completions).toHaveLength(1);
    expect(completions[0]!.data).toMatchObject({ seq: 1, attempt: 2, result: { by: "rescuer" } });
    expect(events.filter((e) => e.type === "ActivityFailed")).toHaveLength(0);
    expect(events.map((e) => e.eventId)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)!.type).toBe("WorkflowCompleted");
  });
});
