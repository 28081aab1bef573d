// Proves the CLI against a real PostgreSQL server, with a worker running as
// its own process (`node bin/ratchet.mjs worker ...`) while other CLI
// processes start, signal, cancel and read workflows concurrently: results
// come back through `result --json` and `start --wait`, a signal's payload
// reaches the workflow, a cancellation ends it as cancelled (exit 1), a
// failure is reported with exit 1, and SIGTERM stops the worker gracefully
// with exit 0. Each run uses its own schema, dropped afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../store/migrate.ts";
import { PgDriver } from "../db/pg-driver.ts";
import { EXIT } from "./exit-codes.ts";
import { GREETER, childEnv, execCli, jsonOf, spawnCli, type CliProcess } from "./fixtures/run-cli.ts";

/** Every migration's version: what migrating a fresh schema applies. */
const ALL_MIGRATIONS = Array.from({ length: SCHEMA_VERSION() }, (_, i) => i + 1);

const url = process.env.DATABASE_URL;

describe.skipIf(!url)("the CLI on PostgreSQL", () => {
  const schema = `cli_${Math.random().toString(36).slice(2, 10)}`;
  const queue = `q-${schema}`;
  const common = ["--db", url!, "--schema", schema];
  const env = childEnv();
  /** A bound on waiting for a result, so a broken worker fails the test instead of hanging it. */
  const wait = ["--timeout-ms", "30000"];
  let worker: CliProcess;

  beforeAll(async () => {
    const migrated = await execCli(["migrate", ...common, "--json"], { env });
    expect(migrated.code, migrated.stderr).toBe(EXIT.ok);
    expect(jsonOf(migrated)).toMatchObject({ schema, applied: ALL_MIGRATIONS });
    worker = spawnCli(["worker", GREETER, ...common, "--queue", queue, "--identity", `w-${schema}`], { env });
    await worker.stderr.waitFor(/polling/);
  });

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill("SIGKILL");
      await worker.exited;
    }
    const db = new PgDriver({ connectionString: url!, maxConnections: 1 });
    await db.query({ text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE`, values: [] });
    await db.close();
  });

  it("the polling line names the identity, queue and schema, and no password", () => {
    const line = worker.stderr.text.split("\n").find((l) => l.includes("polling"))!;
    expect(line).toContain(`ratchet worker w-${schema} polling queue ${queue} at postgres://`);
    expect(line).toContain(`schema ${schema}`);
    const password = new URL(url!).password;
    if (password) expect(line).not.toContain(password);
  });

  it("start, then result --json", async () => {
    const started = await execCli(["start", "greet", "--id", "greet-1", "--queue", queue, "--input", '{"name":"grace"}', ...common, "--json"], { env });
    expect(started.code, started.stderr).toBe(EXIT.ok);
    const { runId } = jsonOf(started);
    const result = await execCli(["result", "greet-1", ...common, ...wait, "--json"], { env });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(jsonOf(result)).toEqual({ workflowId: "greet-1", runId, status: "completed", result: { greeting: "hello, grace" } });
  });

  it("start --wait --json reports the outcome in one document", async () => {
    const run = await execCli(["start", "greet", "--id", "greet-2", "--queue", queue, "--input", '{"name":"linus"}', ...common, "--wait", ...wait, "--json"], { env });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(jsonOf(run)).toMatchObject({ workflowId: "greet-2", created: true, status: "completed", result: { greeting: "hello, linus" } });
  });

  it("signal: the payload reaches the waiting workflow", async () => {
    const started = jsonOf(await execCli(["start", "awaitApproval", "--id", "approval-1", "--queue", queue, ...common, "--json"], { env }));
    const signalled = await execCli(["signal", "approval-1", "approve", "--payload", '{"by":"barbara"}', ...common, "--json"], { env });
    expect(signalled.code, signalled.stderr).toBe(EXIT.ok);
    expect(jsonOf(signalled)).toEqual({ workflowId: "approval-1", runId: started.runId, signal: "approve" });
    const result = await execCli(["result", "approval-1", ...common, ...wait, "--json"], { env });
    expect(jsonOf(result)).toMatchObject({ status: "completed", result: { approvedBy: "barbara" } });
  });

  it("update: answered by the handler, idempotent by --update-id; a rejection is exit 1 naming UPDATE_REJECTED", async () => {
    await execCli(["start", "tally", "--id", "tally-1", "--queue", queue, ...common], { env });
    const add = (n: string, extra: string[] = []) => execCli(["update", "tally-1", "add", `--args=${n}`, ...extra, ...common, ...wait, "--json"], { env });
    const first = await add("5");
    expect(first.code, first.stderr).toBe(EXIT.ok);
    expect(jsonOf(first)).toEqual({ workflowId: "tally-1", update: "add", result: 5 });
    expect(jsonOf(await add("3", ["--update-id", "u-3"]))).toMatchObject({ updateId: "u-3", result: 8 });
    expect(jsonOf(await add("3", ["--update-id", "u-3"]))).toMatchObject({ result: 8 });
    const rejected = await add("-1");
    expect(rejected.code).toBe(EXIT.failure);
    expect(jsonOf(rejected)).toMatchObject({ error: { code: "UPDATE_REJECTED" } });
    expect((await execCli(["update", "tally-1", "add", "--args", "{bad", ...common], { env })).code).toBe(EXIT.badInput);
    await execCli(["signal", "tally-1", "stop", ...common], { env });
    expect(jsonOf(await execCli(["result", "tally-1", ...common, ...wait, "--json"], { env }))).toMatchObject({ status: "completed", result: { total: 8 } });
  });

  it("cancel: the workflow ends cancelled, and result exits 1", async () => {
    const started = jsonOf(await execCli(["start", "waitForever", "--id", "forever-1", "--queue", queue, ...common, "--json"], { env }));
    const cancelled = await execCli(["cancel", "forever-1", "--reason", "test over", ...common, "--json"], { env });
    expect(cancelled.code, cancelled.stderr).toBe(EXIT.ok);
    expect(jsonOf(cancelled)).toEqual({ workflowId: "forever-1", runId: started.runId, alreadyRequested: false });
    const result = await execCli(["result", "forever-1", ...common, ...wait, "--json"], { env });
    expect(result.code).toBe(EXIT.failure);
    expect(jsonOf(result)).toEqual({ workflowId: "forever-1", runId: started.runId, status: "cancelled" });
    const again = await execCli(["cancel", "forever-1", ...common, "--json"], { env });
    expect(again.code).toBe(EXIT.failure);
    expect(jsonOf(again).error.code).toBe("WORKFLOW_NOT_RUNNING");
  });

  it("a failing workflow: result exits 1 with the failure", async () => {
    const run = await execCli(["start", "alwaysFails", "--id", "fails-1", "--queue", queue, ...common, "--wait", ...wait], { env });
    expect(run.code).toBe(EXIT.failure);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('workflow "fails-1"');
    expect(run.stderr).toContain("FixtureFailure [APPLICATION_FAILURE]: the fixture always fails");
  });

  it("describe and history read what the worker recorded", async () => {
    const described = jsonOf(await execCli(["describe", "greet-1", ...common, "--json"], { env }));
    expect(described).toMatchObject({ status: "completed", historyLength: 6, pendingActivities: [], workflowTask: null });
    const history = jsonOf(await execCli(["history", "greet-1", ...common, "--json"], { env }));
    expect(history.events.map((e: { type: string }) => e.type)).toEqual([
      "WorkflowStarted",
      "WorkflowTaskCompleted",
      "ActivityScheduled",
      "ActivityCompleted",
      "WorkflowTaskCompleted",
      "WorkflowCompleted",
    ]);
    expect(history.events[1].data.workerId).toBe(`w-${schema}`);
  });

  it("SIGTERM stops the worker gracefully with exit 0", async () => {
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toEqual({ code: EXIT.ok, signal: null });
    expect(worker.stderr.text).toContain(`ratchet worker w-${schema} stopped:`);
  });
});
