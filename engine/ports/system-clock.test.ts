import { stat } from "node:fs";
import { describe, expect, it } from "vitest";
import { SystemClock } from "./system-clock.ts";

describe("SystemClock", () => {
  it("a zero sleep yields once to I/O rather than arming a timer, and can be aborted", async () => {
    const clock = new SystemClock();
    const order: string[] = [];
    // Inside an I/O callback, setImmediate callbacks run before any timer: a
    // zero sleep must come first, where a setTimeout(0)-based one came after.
    await new Promise<void>((done) => {
      stat(".", () => {
        setTimeout(() => order.push("timer"), 0);
        void clock.sleep(0).then(() => order.push("sleep"));
        setTimeout(done, 5);
      });
    });
    expect(order).toEqual(["sleep", "timer"]);

    const controller = new AbortController();
    const aborted = clock.sleep(0, controller.signal);
    controller.abort("stop");
    await expect(aborted).rejects.toBe("stop");
    await expect(clock.sleep(0, controller.signal)).rejects.toBe("stop");
  });

  it("a positive sleep waits about that long and is cut short by its signal", async () => {
    const clock = new SystemClock();
    const t0 = clock.now();
    await clock.sleep(20);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(19);
    const controller = new AbortController();
    const pending = clock.sleep(60_000, controller.signal);
    controller.abort(new Error("woken"));
    await expect(pending).rejects.toThrow("woken");
  });
});
