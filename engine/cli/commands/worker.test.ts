// Proves the worker command's lifecycle in-process, on an in-memory PGlite
// (migrated automatically, since it always starts empty): it prints one line
// once polling (identity, queues, database, registered types), a first
// SIGTERM or SIGINT shuts it down gracefully with exit 0, a second signal
// during the shutdown returns 130 at once, and --until-idle returns 0 when
// there is nothing left to run, or 130 if a signal interrupts it. Signals
// come from a fake source, so the test never signals its own process.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../exit-codes.ts";
import { FakeSignals, GREETER, runCli, startCli } from "../fixtures/run-cli.ts";

const memory = ["--db", "pglite"];

describe("ratchet worker", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("announces itself once polling, and %s stops it gracefully with exit 0", async (signal) => {
    const signals = new FakeSignals();
    const worker = startCli(["worker", GREETER, ...memory, "--identity", "test-worker", "--queue", "q1", "--queue", "q2", "--queue", "q1"], { signals });
    const [line] = await worker.stderr.waitFor(/^ratchet worker .* polling .*$/m);
    expect(line).toBe(
      "ratchet worker test-worker polling queues q1, q2 at pglite (in memory), schema ratchet (lost on exit); " +
        "workflows: alwaysFails, awaitApproval, greet, holdActivity, tally, waitForever; activities: blockUntilAborted, hello; Ctrl-C to stop",
    );
    expect(signals.listenerCount(signal)).toBe(1);
    signals.fire(signal);
    expect(await worker.done).toBe(EXIT.ok);
    expect(worker.stderr.text).toContain(`ratchet worker test-worker: ${signal}, shutting down`);
    expect(worker.stderr.text).toMatch(/ratchet worker test-worker stopped: 0 workflow tasks/);
    expect(worker.stdout.text).toBe("");
    // The command removes its handlers: a later signal is not swallowed by a finished worker.
    expect(signals.listenerCount("SIGTERM") + signals.listenerCount("SIGINT")).toBe(0);
  });

  it("a second signal during shutdown returns 130 without waiting", async () => {
    const signals = new FakeSignals();
    const worker = startCli(["worker", GREETER, ...memory], { signals });
    await worker.stderr.waitFor(/polling/);
    signals.fire("SIGTERM");
    signals.fire("SIGINT");
    expect(await worker.done).toBe(EXIT.interrupted);
    expect(worker.stderr.text).toContain("second signal, exiting without waiting");
  });

  it("--until-idle runs what is visible and exits 0", async () => {
    const worker = startCli(["worker", GREETER, ...memory, "--until-idle", "--identity", "drainer"], { signals: new FakeSignals() });
    expect(await worker.done).toBe(EXIT.ok);
    expect(worker.stderr.text).toContain("ratchet worker drainer running until idle on queue cli-greeter");
    expect(worker.stderr.text).toContain("ratchet worker drainer idle: 0 workflow tasks");
  });

  it("--until-idle interrupted by a signal (its activity never finishes) returns 130", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ratchet-cli-worker-"));
    try {
      const db = ["--db", `pglite:${dir}`];
      expect((await runCli(["migrate", ...db])).code).toBe(EXIT.ok);
      expect((await runCli(["start", "holdActivity", "--id", "hold", "--queue", "cli-greeter", ...db])).code).toBe(EXIT.ok);
      const signals = new FakeSignals();
      const worker = startCli(["worker", GREETER, ...db, "--until-idle"], { signals });
      await worker.stderr.waitFor(/running until idle/);
      signals.fire("SIGINT");
      expect(await worker.done).toBe(EXIT.interrupted);
      expect(worker.stderr.text).toContain("SIGINT before idle");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
