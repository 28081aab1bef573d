// Proves every command end to end, in-process through main(), on a
// persistent PGlite directory (no server needed): migrate, start, describe,
// history, signal, cancel and result read and write the same durable state
// across separate invocations, a worker run with --until-idle drives the
// workflows, and each command's --json document has its documented shape.
// Also: a directory held by another process is refused (exit 3), and an
// unmigrated schema is exit 3 naming the command that fixes it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../store/migrate.ts";
import { EXIT } from "./exit-codes.ts";
import { WORKFLOW_TASK_RETRY_MS_INITIAL } from "../limits.ts";
import { GREETER, GREETER_V2, jsonOf, runCli } from "./fixtures/run-cli.ts";
import { lockPgliteDirectory } from "../db/pglite-directory.ts";

/** Every migration's version: what migrating a fresh schema applies. */
const ALL_MIGRATIONS = Array.from({ length: SCHEMA_VERSION() }, (_, i) => i + 1);

const dir = mkdtempSync(join(tmpdir(), "ratchet-cli-pglite-"));
const db = ["--db", `pglite:${dir}`];
const queue = ["--queue", "cli-greeter"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Run the fixture worker until nothing is left to do now. */
async function drain(): Promise<void> {
  const run = await runCli(["worker", GREETER, ...db, "--until-idle"]);
  expect(run.code, run.stderr).toBe(EXIT.ok);
}

beforeAll(async () => {
  const first = await runCli(["migrate", ...db, "--json"]);
  expect(first.code, first.stderr).toBe(EXIT.ok);
  expect(jsonOf(first)).toEqual({ schema: "ratchet", applied: ALL_MIGRATIONS, version: SCHEMA_VERSION() });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("migrate", () => {
  it("is idempotent: a second run applies nothing", async () => {
    const again = await runCli(["migrate", ...db, "--json"]);
    expect(jsonOf(again)).toEqual({ schema: "ratchet", applied: [], version: SCHEMA_VERSION() });
    const human = await runCli(["migrate", ...db]);
    expect(human.stdout).toBe(`schema ratchet is up to date (version ${SCHEMA_VERSION()})\n`);
  });

  it("takes DATABASE_URL when --db is absent, and --schema", async () => {
    const run = await runCli(["migrate", "--schema", "second", "--json"], { env: { DATABASE_URL: `pglite:${dir}` } });
    expect(jsonOf(run)).toEqual({ schema: "second", applied: ALL_MIGRATIONS, version: SCHEMA_VERSION() });
  });
});

describe("start, describe, history", () => {
  let runId: string;

  beforeAll(async () => {
    const run = await runCli(["start", "greet", "--id", "order-1", ...queue, "--input", '{"name":"ada"}', ...db, "--json"]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const started = jsonOf(run);
    expect(started).toEqual({ workflowId: "order-1", runId: expect.stringMatching(UUID), created: true });
    runId = started.runId;
  });

  it("describe --json prints the WorkflowDescription of the new run", async () => {
    const run = await runCli(["describe", "order-1", ...db, "--json"]);
    expect(run.code).toBe(EXIT.ok);
    expect(jsonOf(run)).toMatchObject({
      workflowId: "order-1",
      runId,
      workflowType: "greet",
      taskQueue: "cli-greeter",
      status: "running",
      historyLength: 1,
      cancelRequested: false,
      closedAtMs: null,
      taskFailure: null,
      workflowTask: { state: "pending" },
      pendingActivities: [],
      pendingTimers: [],
    });
  });

  it("history --json prints the events with the input as given", async () => {
    const run = await runCli(["history", "order-1", ...db, "--json"]);
    const history = jsonOf(run);
    expect(history).toEqual({
      workflowId: "order-1",
      runId,
      events: [{ eventId: 1, type: "WorkflowStarted", atMs: expect.any(Number), data: expect.objectContaining({ workflowType: "greet", input: { name: "ada" } }) }],
    });
  });

  it("a second start with the same id is exit 1 (already running), or reports the run with --if-running use-existing", async () => {
    const again = await runCli(["start", "greet", "--id", "order-1", ...queue, ...db, "--json"]);
    expect(again.code).toBe(EXIT.failure);
    expect(jsonOf(again).error).toMatchObject({ code: "WORKFLOW_ALREADY_RUNNING", details: { workflowId: "order-1", runId } });
    const existing = await runCli(["start", "greet", "--id", "order-1", ...queue, ...db, "--if-running", "use-existing", "--json"]);
    expect(existing.code).toBe(EXIT.ok);
    expect(jsonOf(existing)).toEqual({ workflowId: "order-1", runId, created: false });
  });

  it("result --no-wait (and an expired --timeout-ms) report status running with exit 1", async () => {
    const now = await runCli(["result", "order-1", ...db, "--no-wait", "--json"]);
    expect(now.code).toBe(EXIT.failure);
    expect(jsonOf(now)).toEqual({ workflowId: "order-1", runId, status: "running" });
    const timedOut = await runCli(["result", "order-1", ...db, "--timeout-ms", "0"]);
    expect(timedOut.code).toBe(EXIT.failure);
    expect(timedOut.stdout).toBe("");
    expect(timedOut.stderr).toContain(`workflow "order-1" (run ${runId}) is still running`);
  });

  it("after a worker runs it: result prints the result, describe and history show the whole run", async () => {
    await drain();
    const result = await runCli(["result", "order-1", ...db, "--json"]);
    expect(result.code).toBe(EXIT.ok);
    expect(jsonOf(result)).toEqual({ workflowId: "order-1", runId, status: "completed", result: { greeting: "hello, ada" } });

    const human = await runCli(["result", "order-1", ...db]);
    expect(human.stdout).toBe(`${JSON.stringify({ greeting: "hello, ada" }, null, 2)}\n`);

    const described = await runCli(["describe", "order-1", ...db]);
    expect(described.stdout).toMatch(/^status +completed$/m);
    expect(described.stdout).toMatch(/^result +\{"greeting":"hello, ada"\}$/m);

    const history = await runCli(["history", "order-1", ...db]);
    const lines = history.stdout.trim().split("\n");
    expect(lines[0]).toBe(`workflow order-1, run ${runId}: 6 events`);
    expect(lines[1]).toMatch(/^ +1 {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}WorkflowStarted +greet on cli-greeter, input \{"name":"ada"\}$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[3])).toEqual([
      "WorkflowStarted",
      "WorkflowTaskCompleted",
      "ActivityScheduled",
      "ActivityCompleted",
      "WorkflowTaskCompleted",
      "WorkflowCompleted",
    ]);
  });

  it("--run addresses a specific run; an unknown id is exit 1 (not found)", async () => {
    expect((await runCli(["describe", "order-1", "--run", runId, ...db])).code).toBe(EXIT.ok);
    const missing = await runCli(["describe", "no-such-order", ...db, "--json"]);
    expect(missing.code).toBe(EXIT.failure);
    expect(jsonOf(missing).error).toMatchObject({ code: "WORKFLOW_NOT_FOUND", details: { workflowId: "no-such-order" } });
  });
});

describe("signal", () => {
  it("delivers a payload the workflow returns; a closed workflow cannot be signalled (exit 1)", async () => {
    const started = jsonOf(await runCli(["start", "awaitApproval", "--id", "approval-1", ...queue, ...db, "--json"]));
    const signalled = await runCli(["signal", "approval-1", "approve", "--payload", '{"by":"ops"}', ...db, "--json"]);
    expect(signalled.code).toBe(EXIT.ok);
    expect(jsonOf(signalled)).toEqual({ workflowId: "approval-1", runId: started.runId, signal: "approve" });
    await drain();
    expect(jsonOf(await runCli(["result", "approval-1", ...db, "--json"]))).toMatchObject({ status: "completed", result: { approvedBy: "ops" } });

    const late = await runCli(["signal", "approval-1", "approve", ...db]);
    expect(late.code).toBe(EXIT.failure);
    expect(late.stderr).toContain("is completed, not running");
  });
});

describe("cancel", () => {
  it("requests cancellation once; the workflow ends cancelled and result exits 1", async () => {
    jsonOf(await runCli(["start", "waitForever", "--id", "forever-1", ...queue, ...db, "--json"]));
    await drain();
    const first = await runCli(["cancel", "forever-1", "--reason", "no longer needed", ...db, "--json"]);
    expect(first.code).toBe(EXIT.ok);
    expect(jsonOf(first)).toMatchObject({ workflowId: "forever-1", alreadyRequested: false });
    const second = await runCli(["cancel", "forever-1", ...db, "--json"]);
    expect(jsonOf(second)).toMatchObject({ alreadyRequested: true });
    expect((await runCli(["describe", "forever-1", ...db])).stdout).toMatch(/^status +running \(cancellation requested\)$/m);

    await drain();
    const result = await runCli(["result", "forever-1", ...db, "--json"]);
    expect(result.code).toBe(EXIT.failure);
    expect(jsonOf(result)).toMatchObject({ workflowId: "forever-1", status: "cancelled" });
    const history = jsonOf(await runCli(["history", "forever-1", ...db, "--json"]));
    expect(history.events.find((e: { type: string }) => e.type === "WorkflowCancelRequested").data).toEqual({ reason: "no longer needed" });
  });
});

describe("terminate and start policies", () => {
  it("terminate ends the run at once, result exits 1; a start can replace a running run, and a request id makes it idempotent", async () => {
    jsonOf(await runCli(["start", "waitForever", "--id", "forever-2", ...queue, ...db, "--json"]));
    await drain();
    const terminated = await runCli(["terminate", "forever-2", "--reason", "stuck", ...db, "--json"]);
    expect(terminated.code, terminated.stderr).toBe(EXIT.ok);
    const { runId } = jsonOf(terminated);
    expect(jsonOf(terminated)).toEqual({ workflowId: "forever-2", runId });
    const result = await runCli(["result", "forever-2", ...db, "--json"]);
    expect(result.code).toBe(EXIT.failure);
    expect(jsonOf(result)).toMatchObject({ workflowId: "forever-2", runId, status: "terminated" });
    expect((await runCli(["describe", "forever-2", ...db])).stdout).toContain("terminated stuck");
    const again = await runCli(["terminate", "forever-2", ...db]);
    expect(again.code).toBe(EXIT.failure);
    expect(again.stderr).toContain("is terminated, not running");

    const refused = await runCli(["start", "waitForever", "--id", "forever-2", ...queue, ...db, "--if-closed", "reject"]);
    expect(refused.code).toBe(EXIT.failure);
    expect(refused.stderr).toContain("idReusePolicy rejectDuplicate does not allow starting it again");
    const first = jsonOf(await runCli(["start", "waitForever", "--id", "forever-2", ...queue, ...db, "--if-closed", "allow-failed-only", "--request-id", "r1", "--json"]));
    expect(first).toMatchObject({ created: true });
    const repeated = jsonOf(await runCli(["start", "waitForever", "--id", "forever-2", ...queue, ...db, "--request-id", "r1", "--json"]));
    expect(repeated).toEqual({ workflowId: "forever-2", runId: first.runId, created: false });
    const replaced = jsonOf(await runCli(["start", "waitForever", "--id", "forever-2", ...queue, ...db, "--if-running", "terminate-existing", "--json"]));
    expect(replaced.created).toBe(true);
    expect(jsonOf(await runCli(["describe", "forever-2", "--run", first.runId, ...db, "--json"]))).toMatchObject({ status: "terminated" });
    await runCli(["terminate", "forever-2", ...db]);
  });
});

describe("replay", () => {
  it("replays stored runs against a module: exit 0 when they match, 1 naming each run that diverges, 2 without a selection", async () => {
    await drain();
    const same = await runCli(["replay", GREETER, ...db, "--type", "greet"]);
    expect(same.code, same.stderr).toBe(EXIT.ok);
    expect(same.stdout).toMatch(/^replayed [1-9]\d* runs?: all match the code$/m);

    const changed = await runCli(["replay", GREETER_V2, ...db, "--workflow-id", "order-1", "--json"]);
    expect(changed.code, changed.stderr).toBe(EXIT.failure);
    const report = jsonOf(changed) as { replayed: number; diverged: Array<{ workflowId: string; failure: { code: string; message: string } }> };
    expect(report.replayed).toBe(1);
    expect(report.diverged).toHaveLength(1);
    expect(report.diverged[0]).toMatchObject({ workflowId: "order-1", failure: { code: "NON_DETERMINISM" } });
    expect(report.diverged[0]!.failure.message).toMatch(/hello.*bonjour/);

    expect((await runCli(["replay", GREETER, ...db])).code).toBe(EXIT.badInput);
    expect((await runCli(["replay", GREETER, ...db, "--workflow-id", "order-1", "--limit", "5"])).code).toBe(EXIT.badInput);
  });
});

describe("list and count", () => {
  it("list finds runs by type and status, newest first, a page at a time; count agrees; bad filters are exit 2", async () => {
    await drain();
    const greets = await runCli(["list", ...db, "--type", "greet", "--json"]);
    expect(greets.code, greets.stderr).toBe(EXIT.ok);
    const page = jsonOf(greets) as { workflows: Array<{ workflowId: string; workflowType: string; createdAtMs: number }>; nextPageToken: string | null };
    expect(page.workflows.map((w) => w.workflowId)).toContain("order-1");
    expect(page.workflows.every((w) => w.workflowType === "greet")).toBe(true);
    const times = page.workflows.map((w) => w.createdAtMs);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const counted = await runCli(["count", ...db, "--type", "greet", "--json"]);
    expect(jsonOf(counted)).toEqual({ count: page.workflows.length });

    const first = jsonOf(await runCli(["list", ...db, "--page-size", "1", "--json"])) as { workflows: Array<{ runId: string }>; nextPageToken: string };
    const second = jsonOf(await runCli(["list", ...db, "--page-size", "1", "--page-token", first.nextPageToken, "--json"])) as { workflows: Array<{ runId: string }> };
    expect(second.workflows[0]!.runId).not.toBe(first.workflows[0]!.runId);
    const human = await runCli(["list", ...db, "--status", "completed", "--type", "greet"]);
    expect(human.stdout).toMatch(/completed +greet {2}order-1 {2}\(run /);

    for (const bad of [["--status", "sleeping"], ["--attr", "novalue"], ["--since", "yesterday"], ["--page-size", "0"]]) {
      expect((await runCli(["list", ...db, ...bad])).code, bad.join(" ")).toBe(EXIT.badInput);
    }
    expect(jsonOf(await runCli(["count", ...db, "--attr", "customer=nobody", "--json"]))).toEqual({ count: 0 });
  });
});

describe("schedule", () => {
  it("creates, triggers, describes, lists, pauses, unpauses and deletes; bad input is exit 2 and an unknown id exit 1", async () => {
    const create = await runCli(["schedule", "create", "hourly-greet", ...db, "--type", "greet", ...queue, "--cron", "@hourly", "--input", '{"name":"sched"}', "--overlap", "bufferOne", "--json"]);
    expect(create.code, create.stderr).toBe(EXIT.ok);
    expect(jsonOf(create)).toEqual({ scheduleId: "hourly-greet", action: "create" });
    const trigger = jsonOf(await runCli(["schedule", "trigger", "hourly-greet", ...db, "--json"])) as { started: { workflowId: string; runId: string } };
    expect(trigger.started.workflowId).toMatch(/^hourly-greet-\d{4}-\d\d-\d\dT/);
    await drain();
    const result = await runCli(["result", trigger.started.workflowId, ...db, "--json"]);
    expect(jsonOf(result)).toMatchObject({ status: "completed", result: { greeting: "hello, sched" } });
    const described = jsonOf(await runCli(["schedule", "describe", "hourly-greet", ...db, "--json"])) as { counts: { actions: number }; policies: { overlap: string }; upcoming: number[]; recent: Array<{ manual: boolean }> };
    expect(described).toMatchObject({ counts: { actions: 1 }, policies: { overlap: "bufferOne" }, recent: [{ manual: true }] });
    expect(described.upcoming[0]! % 3_600_000).toBe(0);
    const backfill = await runCli(["schedule", "backfill", "hourly-greet", ...db, "--start", new Date(described.upcoming[0]! - 3 * 3_600_000).toISOString(), "--end", String(described.upcoming[0]! - 3_600_000), "--overlap", "allowAll", "--json"]);
    expect(backfill.code, backfill.stderr).toBe(EXIT.ok);
    expect(jsonOf(backfill)).toMatchObject({ scheduleId: "hourly-greet", fires: 2, alreadyStarted: 0, notYetDue: 0, waiting: 0 });
    expect((jsonOf(backfill) as { started: unknown[] }).started).toHaveLength(2);
    expect((await runCli(["schedule", "pause", "hourly-greet", ...db, "--note", "quiet hours"])).stdout).toBe("paused schedule hourly-greet\n");
    const listed = await runCli(["schedule", "list", ...db]);
    expect(listed.stdout).toContain("hourly-greet  greet  paused (quiet hours)");
    expect((await runCli(["schedule", "unpause", "hourly-greet", ...db])).code).toBe(EXIT.ok);
    expect((await runCli(["schedule", "describe", "hourly-greet", ...db])).stdout).toMatch(/next: \d{4}-/);
    expect((await runCli(["schedule", "delete", "hourly-greet", ...db])).code).toBe(EXIT.ok);
    expect((await runCli(["schedule", "describe", "hourly-greet", ...db])).code).toBe(EXIT.failure);
    for (const bad of [
      ["schedule"],
      ["schedule", "explode", "x"],
      ["schedule", "create", "x", "--type", "greet", ...queue],
      ["schedule", "create", "x", "--type", "greet", ...queue, "--cron", "99 * * * *"],
      ["schedule", "create", "x", "--type", "greet", ...queue, "--every-ms", "10"],
      ["schedule", "create", "x", "--type", "greet", ...queue, "--cron", "@daily", "--overlap", "sometimes"],
      ["schedule", "describe"],
      ["schedule", "backfill", "x", "--start", "2026-01-01T00:00:00Z"],
      ["schedule", "backfill", "x", "--start", "yesterday", "--end", "2026-01-01T00:00:00Z"],
      ["schedule", "create", "x", "--type", "greet", ...queue, "--cron", "@daily", "--time-zone", "Mars/Olympus_Mons"],
    ]) {
      expect((await runCli([...bad, ...db])).code, bad.join(" ")).toBe(EXIT.badInput);
    }
  });
});

describe("retention", () => {
  it("creates the partitions ahead, moving in the rows the default partition took; drops nothing younger than its cutoff; reports a stable JSON shape", async () => {
    const first = await runCli(["retention", ...db, "--older-than", "30d", "--json"]);
    expect(first.code, first.stderr).toBe(EXIT.ok);
    const report = jsonOf(first) as { created: Array<{ partition: string; movedRows: number }>; dropped: unknown[]; heldBack: unknown[]; runsRemoved: number; partitionsNewer: number; defaultPartitionRows: number };
    expect(Object.keys(report)).toEqual(["created", "cutoffMs", "dryRun", "dropped", "heldBack", "runsRemoved", "partitionsNewer", "defaultPartitionRows"]);
    // Every run so far started before any partition existed (today, or yesterday near midnight): their history moves into its window.
    expect(report.created.length).toBeGreaterThanOrEqual(3);
    expect(report.created[0]!.partition).toMatch(/^history_\d{8}_000000$/);
    expect(report.created[0]!.movedRows).toBeGreaterThan(0);
    expect(report).toMatchObject({ dropped: [], heldBack: [], runsRemoved: 0, partitionsNewer: report.created.length, defaultPartitionRows: 0 });
    const again = jsonOf(await runCli(["retention", ...db, "--older-than", "30d", "--dry-run", "--json"]));
    expect(again).toMatchObject({ created: [], dryRun: true, dropped: [], partitionsNewer: report.created.length });
    const human = await runCli(["retention", ...db, "--older-than", "1d"]);
    expect(human.stdout).toMatch(/^removed 0 runs closed before \S+; \d+ newer partitions kept; 0 rows in the default partition\n$/);
    expect(jsonOf(await runCli(["describe", "order-1", ...db, "--json"]))).toMatchObject({ status: "completed" });
    for (const bad of [[], ["--older-than", "30"], ["--older-than", "30d", "--window", "1s"]]) {
      expect((await runCli(["retention", ...db, ...bad])).code, bad.join(" ")).toBe(EXIT.badInput);
    }
  });
});

describe("failures", () => {
  it("a failed workflow: result exits 1 and prints the recorded failure", async () => {
    const started = await runCli(["start", "alwaysFails", "--id", "fails-1", ...queue, ...db, "--wait", "--timeout-ms", "0", "--json"]);
    expect(started.code).toBe(EXIT.failure);
    expect(jsonOf(started)).toMatchObject({ workflowId: "fails-1", created: true, status: "running" });
    await drain();
    const result = await runCli(["result", "fails-1", ...db, "--json"]);
    expect(result.code).toBe(EXIT.failure);
    expect(jsonOf(result)).toMatchObject({ status: "failed", failure: { type: "FixtureFailure", message: "the fixture always fails", nonRetryable: true } });
    const human = await runCli(["result", "fails-1", ...db]);
    expect(human.stdout).toBe("");
    expect(human.stderr).toContain("FixtureFailure [APPLICATION_FAILURE]: the fixture always fails");
  });

  it("a workflow type no worker knows: describe shows the task failure", async () => {
    await runCli(["start", "noSuchWorkflow", "--id", "unknown-1", ...queue, ...db]);
    await drain();
    const described = jsonOf(await runCli(["describe", "unknown-1", ...db, "--json"]));
    expect(described).toMatchObject({ status: "running", taskFailure: { code: "UNKNOWN_WORKFLOW_TYPE" } });
    // The retry is scheduled a backoff after the recorded failure. Whether it is
    // still "backingOff" when describe runs depends on how long the CLI took to
    // start, so the state may already be "pending" again, but never "running".
    const history = jsonOf(await runCli(["history", "unknown-1", ...db, "--json"]));
    const failed = history.events.find((e: { type: string }) => e.type === "WorkflowTaskFailed");
    expect(failed.data.failure).toMatchObject({ code: "UNKNOWN_WORKFLOW_TYPE" });
    expect(described.workflowTask.attempt).toBeGreaterThanOrEqual(1);
    expect(described.workflowTask.visibleAtMs).toBeGreaterThanOrEqual(failed.atMs + WORKFLOW_TASK_RETRY_MS_INITIAL);
    expect(["backingOff", "pending"]).toContain(described.workflowTask.state);
    const human = await runCli(["describe", "unknown-1", ...db]);
    expect(human.stdout).toContain("task failure");
    expect(human.stdout).toContain('workflow type "noSuchWorkflow" is not registered on this worker');
  });
});

describe("database problems exit 3", () => {
  it("an unmigrated schema names the command that fixes it", async () => {
    const run = await runCli(["describe", "order-1", ...db, "--schema", "never_migrated"]);
    expect(run.code).toBe(EXIT.database);
    expect(run.stderr).toContain("run `ratchet migrate --schema never_migrated`");
  });

  it("a directory another process holds is refused, and usable once released", async () => {
    const lock = lockPgliteDirectory(dir, "a test holding the directory");
    try {
      const run = await runCli(["describe", "order-1", ...db, "--json"]);
      expect(run.code).toBe(EXIT.database);
      expect(jsonOf(run).error).toMatchObject({ code: "DATABASE_UNAVAILABLE", message: expect.stringContaining("is in use by another ratchet process") });
    } finally {
      lock.release();
    }
    expect((await runCli(["describe", "order-1", ...db])).code).toBe(EXIT.ok);
  });
});
