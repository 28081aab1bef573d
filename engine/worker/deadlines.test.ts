import { describe, expect, it } from "vitest";
import { ManualClock } from "../testing/manual-clock.ts";
import { Deadlines, type DeadlineEntry } from "./deadlines.ts";

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function entries(clock: ManualClock, fired: string[]) {
  return (name: string, inMs: number): DeadlineEntry & { deadlineMs: number } => ({ deadlineMs: clock.now() + inMs, fire: () => void fired.push(name) });
}

describe("Deadlines", () => {
  it("fires each entry once its deadline passes, in deadline order, and not before", async () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const at = entries(clock, fired);
    const d = new Deadlines(clock);
    d.add(at("late", 300));
    d.add(at("early", 100));
    d.add(at("middle", 200));
    await flush();
    expect(clock.pendingSleeps).toBe(1);
    clock.advance(99);
    await flush();
    expect(fired).toEqual([]);
    clock.advance(1);
    await flush();
    expect(fired).toEqual(["early"]);
    clock.advance(500); // past both others at once
    await flush();
    expect(fired).toEqual(["early", "middle", "late"]);
    expect(d.size).toBe(0);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("a deleted entry never fires, and with none left the loop stops sleeping", async () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const at = entries(clock, fired);
    const d = new Deadlines(clock);
    const a = at("a", 100);
    const b = at("b", 200);
    d.add(a);
    d.add(b);
    await flush();
    d.delete(a);
    clock.advance(150);
    await flush();
    expect(fired).toEqual([]);
    d.delete(b);
    await flush();
    expect(clock.pendingSleeps).toBe(0);
    clock.advance(1_000);
    await flush();
    expect(fired).toEqual([]);
  });

  it("an entry added or moved earlier than what the loop waits for wakes it", async () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const at = entries(clock, fired);
    const d = new Deadlines(clock);
    d.add(at("far", 10_000));
    await flush();
    d.add(at("near", 50));
    await flush();
    clock.advance(50);
    await flush();
    expect(fired).toEqual(["near"]);
    const moving = at("moving", 5_000);
    d.add(moving);
    await flush();
    moving.deadlineMs = clock.now() + 10;
    d.moved(moving);
    await flush();
    clock.advance(10);
    await flush();
    expect(fired).toEqual(["near", "moving"]);
  });

  it("a deadline moved later is waited for, not fired at the old time", async () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const at = entries(clock, fired);
    const d = new Deadlines(clock);
    const e = at("extended", 100);
    d.add(e);
    await flush();
    e.deadlineMs = clock.now() + 300;
    d.moved(e);
    clock.advance(100);
    await flush();
    expect(fired).toEqual([]);
    clock.advance(200);
    await flush();
    expect(fired).toEqual(["extended"]);
  });

  it("a new entry after the loop stopped starts it again", async () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const at = entries(clock, fired);
    const d = new Deadlines(clock);
    d.add(at("first", 10));
    await flush();
    clock.advance(10);
    await flush();
    d.add(at("second", 10));
    await flush();
    clock.advance(10);
    await flush();
    expect(fired).toEqual(["first", "second"]);
  });
});
