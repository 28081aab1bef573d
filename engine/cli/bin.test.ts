// Proves `node bin/ratchet.mjs` (and `npx ratchet`) as a real child
// process, with no server: it runs from any working directory, exit codes
// reach the shell, errors never show a password, DATABASE_URL is honoured,
// and the worker's signal handling works on a real process: SIGTERM releases
// the task it was running (another worker can take it at once) and exits 0;
// a second signal during the grace period exits 130 leaving the lease to
// expire. A persistent PGlite directory carries state between the processes.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "./exit-codes.ts";
import { BIN, GREETER, REPO_ROOT, childEnv, execCli, jsonOf, spawnCli } from "./fixtures/run-cli.ts";
import { PGLITE_LOCK_FILE } from "../db/pglite-directory.ts";

const scratch = mkdtempSync(join(tmpdir(), "ratchet-cli-bin-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("bin/ratchet.mjs", () => {
  it("runs from another working directory", async () => {
    const run = await execCli(["help"], { cwd: tmpdir() });
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("usage: ratchet <command>");
    expect(BIN).toMatch(/bin\/ratchet\.mjs$/);
  });

  it("runs as `npx ratchet` in the project (the package's own bin)", async () => {
    const npx = spawn("npx", ["--no", "ratchet", "help", "migrate"], { cwd: REPO_ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    npx.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => npx.on("close", resolve));
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^usage: ratchet migrate/);
  });

  it("exits 2 without a database", async () => {
    const run = await execCli(["describe", "wf"]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toBe("ratchet: no database: set DATABASE_URL or pass --db (postgres://user@host:port/database, or pglite:<directory> for an embedded database)\n");
  });

  it("exits 3 when PostgreSQL is unreachable, without a stack trace or the password", async () => {
    const run = await execCli(["migrate", "--db", "postgres://postgres:hunter2@127.0.0.1:1/x"]);
    expect(run.code).toBe(EXIT.database);
    expect(run.stderr).toMatch(/^ratchet: cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x: connect ECONNREFUSED/);
    expect(run.stderr).not.toContain("hunter2");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("the worker process on a PGlite directory", () => {
  /** A fresh directory, migrated, with a workflow whose activity blocks until its worker aborts it. */
  async function directoryWithBlockedWorkflow(name: string): Promise<NodeJS.ProcessEnv> {
    const env = childEnv({ DATABASE_URL: `pglite:${join(scratch, name)}` });
    expect((await execCli(["migrate"], { env })).code).toBe(EXIT.ok);
    const started = await execCli(["start", "holdActivity", "--id", "hold", "--queue", "cli-greeter", "--json"], { env });
    expect(started.code, started.stderr).toBe(EXIT.ok);
    return env;
  }

  async function pendingActivity(env: NodeJS.ProcessEnv) {
    const described = await execCli(["describe", "hold", "--json"], { env });
    expect(described.code, described.stderr).toBe(EXIT.ok);
    return jsonOf(described).pendingActivities[0];
  }

  it("SIGTERM: the running activity is released for another worker, and the process exits 0", async () => {
    const env = await directoryWithBlockedWorkflow("graceful");
    const worker = spawnCli(["worker", GREETER, "--shutdown-grace-ms", "0", "--identity", "graceful"], { env });
    await worker.stderr.waitFor(/fixture: blockUntilAborted attempt 1 started/);
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toEqual({ code: EXIT.ok, signal: null });
    expect(worker.stderr.text).toContain("ratchet worker graceful: SIGTERM, shutting down");
    expect(worker.stderr.text).toContain("ratchet worker graceful stopped:");
    expect(existsSync(join(scratch, "graceful", PGLITE_LOCK_FILE))).toBe(false);
    // Released, not failed: visible again, no lease, and the interrupted attempt does not count.
    expect(await pendingActivity(env)).toMatchObject({ activityType: "blockUntilAborted", state: "scheduled", attempt: 0, leaseExpiresAtMs: null, lastFailure: null });
  });

  it("a second signal during the grace period exits 130; the lease is left to expire", async () => {
    const env = await directoryWithBlockedWorkflow("forced");
    const worker = spawnCli(["worker", GREETER, "--shutdown-grace-ms", "600000"], { env });
    await worker.stderr.waitFor(/fixture: blockUntilAborted attempt 1 started/);
    worker.child.kill("SIGTERM");
    await worker.stderr.waitFor(/shutting down/);
    worker.child.kill("SIGINT");
    expect(await worker.exited).toEqual({ code: EXIT.interrupted, signal: null });
    expect(worker.stderr.text).toContain("second signal, exiting without waiting");
    // The lock is removed even on the forced exit, so the directory is usable at once.
    expect(existsSync(join(scratch, "forced", PGLITE_LOCK_FILE))).toBe(false);
    const activity = await pendingActivity(env);
    expect(activity).toMatchObject({ state: "started", attempt: 1 });
    // The activity's 600 s start-to-close lease is still held by the process that is gone.
    expect(activity.leaseExpiresAtMs).toBeGreaterThan(Date.now());
  });
});
