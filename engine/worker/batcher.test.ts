import { describe, expect, it } from "vitest";
import { SystemClock } from "../ports/system-clock.ts";
import { Batcher } from "./batcher.ts";

/** A batch call that waits until the test lets it finish, and records what it was given. */
function gatedCalls() {
  const calls: string[][] = [];
  const gates: Array<() => void> = [];
  const many = async (items: string[]) => {
    calls.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    return items.map((i) => `${i}!`);
  };
  return { calls, gates, many };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("Batcher", () => {
  it("puts one burst in one call", async () => {
    const { calls, gates, many } = gatedCalls();
    const b = new Batcher<string, string>({ clock: new SystemClock(), max: 10, delayMs: 0, many });
    const outcomes = Promise.all(["a", "b", "c"].map((i) => b.submit(i)));
    await tick();
    expect(calls).toEqual([["a", "b", "c"]]);
    gates.forEach((open) => open());
    expect(await outcomes).toEqual(["a!", "b!", "c!"]);
  });

  it("with inFlightMax, holds what arrives while calls run and sends it together when one finishes", async () => {
    const { calls, gates, many } = gatedCalls();
    const b = new Batcher<string, string>({ clock: new SystemClock(), max: 10, delayMs: 0, many, inFlightMax: 1 });
    const first = b.submit("a");
    await tick();
    const later = [b.submit("b")];
    await tick();
    later.push(b.submit("c"));
    await tick();
    expect(calls).toEqual([["a"]]);
    gates[0]!();
    expect(await first).toBe("a!");
    await tick();
    await tick();
    expect(calls).toEqual([["a"], ["b", "c"]]);
    gates[1]!();
    expect(await Promise.all(later)).toEqual(["b!", "c!"]);
  });

  it("without a limit, a second burst gets its own call while the first runs", async () => {
    const { calls, gates, many } = gatedCalls();
    const b = new Batcher<string, string>({ clock: new SystemClock(), max: 10, delayMs: 0, many });
    const all = [b.submit("a")];
    await tick();
    all.push(b.submit("b"));
    await tick();
    expect(calls).toEqual([["a"], ["b"]]);
    gates.forEach((open) => open());
    expect(await Promise.all(all)).toEqual(["a!", "b!"]);
  });

  it("keeps the cap when a full batch flushes at once", async () => {
    const { calls, gates, many } = gatedCalls();
    const b = new Batcher<string, string>({ clock: new SystemClock(), max: 2, delayMs: 0, many, inFlightMax: 1 });
    const all = ["a", "b", "c", "d", "e"].map((i) => b.submit(i));
    await tick();
    expect(calls).toEqual([["a", "b"]]);
    for (let i = 0; i < 3; i++) {
      gates[i]!();
      await tick();
      await tick();
    }
    expect(calls).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(await Promise.all(all)).toEqual(["a!", "b!", "c!", "d!", "e!"]);
  });
});
