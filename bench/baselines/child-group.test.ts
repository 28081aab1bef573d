// Proves the worker-process machinery every baseline and peer uses: children
// start together, snapshots see their counters move and carry only the
// window's samples, and every way a child can go wrong (failing setup, a
// failing loop, exiting on its own, ignoring stop) is reported as a
// CHILD_FAILED BenchError — and leaves no process behind. No database needed.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ChildGroup, delay, processAlive } from "./child-group.ts";
import { BenchError } from "./errors.ts";
import { childPidsOf } from "./testing.ts";

const SCRIPT = fileURLToPath(new URL("./fixtures/test.child.ts", import.meta.url));
const spec = (mode: string, label = mode) => ({ script: SCRIPT, label, init: { mode } });

describe("ChildGroup", () => {
  afterEach(() => {
    expect(childPidsOf()).toEqual([]);
  });

  it("runs children together, snapshots their counters and window samples, and stops them", async () => {
    const group = await ChildGroup.start([spec("count", "a"), spec("count", "b")]);
    const pids = group.pids();
    expect(pids).toHaveLength(2);
    group.go();
    await delay(100);
    const start = await group.snapshot("start");
    expect(start.every((s) => Object.keys(s.samples).length === 0)).toBe(true);
    await delay(150);
    const end = await group.snapshot("end");
    for (const label of ["a", "b"]) {
      const s0 = start.find((s) => s.label === label)!;
      const s1 = end.find((s) => s.label === label)!;
      expect(s1.counts.ticks!).toBeGreaterThan(s0.counts.ticks!);
      // Samples are the ticks seen inside the window only.
      expect(s1.samples.tick!.length).toBeGreaterThan(0);
      expect(Math.min(...s1.samples.tick!)).toBeGreaterThan(s0.counts.ticks!);
    }
    await group.stop();
    expect(pids.some(processAlive)).toBe(false);
  });

  it("fails start when a child's setup fails, and kills the others", async () => {
    const err = await ChildGroup.start([spec("count"), spec("fail-setup")]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe("CHILD_FAILED");
    expect((err as BenchError).message).toContain("setup failed on purpose");
  });

  it("rejects race() when a worker loop fails, naming the child", async () => {
    const group = await ChildGroup.start([spec("count"), spec("throw-after-go", "bad worker")]);
    try {
      group.go();
      const err = await group.race(delay(5_000)).catch((e: unknown) => e);
      expect((err as BenchError).code).toBe("CHILD_FAILED");
      expect((err as BenchError).message).toMatch(/bad worker failed: .*worker loop failed on purpose/s);
    } finally {
      await group.kill();
    }
  });

  it("rejects race() when a child exits on its own", async () => {
    const group = await ChildGroup.start([spec("exit-after-go")]);
    try {
      group.go();
      const err = await group.race(delay(5_000)).catch((e: unknown) => e);
      expect((err as BenchError).message).toContain("exited early (code 3");
    } finally {
      await group.kill();
    }
  });

  it("kills a child that ignores stop once the grace period is over", async () => {
    const group = await ChildGroup.start([spec("hang-on-stop")]);
    const [pid] = group.pids();
    group.go();
    const t0 = performance.now();
    await group.stop(300);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(processAlive(pid!)).toBe(false);
  });
});
