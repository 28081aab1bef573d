/**
 * The mock services on a manual clock: the ledger applies an effect once per
 * idempotency key and answers repeats with the original receipt; each outage
 * behaves as named (refuse at once, fail after latency, hang until the
 * service timeout, and succeed-then-time-out, which applies the effect and
 * lets a retry under a new key apply it again); an aborted call rejects with
 * the signal's reason; every call leaves one record, stamped in virtual ms
 * since the start; the same seed and calls give the same records and trace.
 */
import { describe, expect, it } from "vitest";
import { ApplicationFailure } from "../../engine/index.ts";
import { ManualClock } from "../../engine/testing/index.ts";
import { Prng } from "../prng.ts";
import { IDEMPOTENCY_KEY_REUSED, SERVICE_FAILED, SERVICE_TIMEOUT, SERVICE_UNAVAILABLE } from "./failures.ts";
import { SERVICE_LATENCY_MS_MAX, SERVICE_LATENCY_MS_MIN, SERVICE_TIMEOUT_MS } from "./limits.ts";
import { MockServices, type ServiceReply, type ServiceRequest } from "./mock-services.ts";

const START_EPOCH_MS = Date.UTC(2026, 0, 1);

function setup(seed = "services-test") {
  const clock = new ManualClock(START_EPOCH_MS);
  const trace: string[] = [];
  const services = new MockServices({ clock, prng: new Prng(seed), startEpochMs: START_EPOCH_MS, trace: (line) => trace.push(line) });
  return { clock, services, trace };
}

function request(overrides: Partial<ServiceRequest> = {}): ServiceRequest {
  return { service: "payments", operation: "charge", key: "run-1:1", step: "run-1:1", workflowId: "wf-1", attempt: 1, ...overrides };
}

/** Let continuations after a resolved sleep run (and register their next sleep). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Run a call to its answer, moving the clock 1 ms at a time so the call takes exactly the latency it drew. */
async function answer(clock: ManualClock, services: MockServices, req: ServiceRequest): Promise<ServiceReply> {
  const pending = services.call(req);
  let settled = false;
  pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let elapsedMs = 0; ; elapsedMs++) {
    await flush();
    if (settled) return pending;
    if (elapsedMs > SERVICE_LATENCY_MS_MAX) throw new Error("no answer within the latency bound");
    clock.advance(1);
  }
}

/** Start a call and move the clock past its longest latency: the service has decided, the caller may still wait. */
async function pastLatency(clock: ManualClock, services: MockServices, req: ServiceRequest): Promise<{ reply: Promise<ServiceReply> }> {
  const reply = services.call(req);
  reply.catch(() => {}); // inspected by the test; never an unhandled rejection meanwhile
  clock.advance(SERVICE_LATENCY_MS_MAX);
  await flush();
  return { reply };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe("MockServices", () => {
  it("applies an effect once per key and answers repeats with the original receipt", async () => {
    const { clock, services } = setup();
    const first = await answer(clock, services, request());
    const again = await answer(clock, services, request({ attempt: 2 }));
    const other = await answer(clock, services, request({ key: "run-1:2", step: "run-1:2" }));
    expect(first).toEqual({ receipt: "payments-charge-1", duplicate: false });
    expect(again).toEqual({ receipt: "payments-charge-1", duplicate: true });
    expect(other).toEqual({ receipt: "payments-charge-2", duplicate: false });
    expect(services.effects.map((e) => [e.key, e.attempt, e.applied, e.outcome])).toEqual([
      ["run-1:1", 1, true, "ok"],
      ["run-1:1", 2, false, "ok"],
      ["run-1:2", 1, true, "ok"],
    ]);
    expect(services.applied("payments", "run-1:1")).toMatchObject({ receipt: "payments-charge-1", step: "run-1:1" });
  });

  it("keeps one ledger per service: the same key on another service is another effect", async () => {
    const { clock, services } = setup();
    await answer(clock, services, request());
    const shipped = await answer(clock, services, request({ service: "shipping", operation: "ship" }));
    expect(shipped).toEqual({ receipt: "shipping-ship-1", duplicate: false });
  });

  it("refuses a key reused for another operation on the same service, for good", async () => {
    const { clock, services } = setup();
    await answer(clock, services, request());
    const failure = await failureOf(answer(clock, services, request({ operation: "refund" })));
    expect(failure).toMatchObject({ type: IDEMPOTENCY_KEY_REUSED, nonRetryable: true });
    expect(services.effects.at(-1)).toMatchObject({ operation: "refund", applied: false, outcome: "refused" });
  });

  it("takes a latency in the drawn range before it answers", async () => {
    const { clock, services } = setup();
    let answered = false;
    const pending = services.call(request()).then(() => (answered = true));
    clock.advance(SERVICE_LATENCY_MS_MIN - 1);
    await flush();
    expect(answered).toBe(false);
    clock.advance(SERVICE_LATENCY_MS_MAX - SERVICE_LATENCY_MS_MIN + 1);
    await pending;
    expect(answered).toBe(true);
    const atMs = services.effects[0]!.atMs;
    expect(atMs).toBeGreaterThanOrEqual(SERVICE_LATENCY_MS_MIN);
    expect(atMs).toBeLessThanOrEqual(SERVICE_LATENCY_MS_MAX);
  });

  it("refuse: throws at once, applies nothing", async () => {
    const { services, clock } = setup();
    services.setBehavior("payments", "refuse");
    const failure = await failureOf(services.call(request()));
    expect(failure).toMatchObject({ type: SERVICE_UNAVAILABLE, nonRetryable: false });
    expect(clock.pendingSleeps).toBe(0);
    expect(services.effects).toEqual([expect.objectContaining({ atMs: 0, applied: false, outcome: "refused" })]);
    // Other services are unaffected, and healing lets the same key apply.
    expect(await answer(clock, services, request({ service: "shipping", operation: "ship" }))).toMatchObject({ duplicate: false });
    services.setBehavior("payments", null);
    expect(await answer(clock, services, request({ attempt: 2 }))).toMatchObject({ duplicate: false });
  });

  it("fail: throws after the latency, applies nothing", async () => {
    const { services, clock } = setup();
    services.setBehavior("payments", "fail");
    const pending = services.call(request());
    pending.catch(() => {});
    expect(services.effects).toEqual([]);
    clock.advance(SERVICE_LATENCY_MS_MAX);
    expect(await failureOf(pending)).toMatchObject({ type: SERVICE_FAILED });
    expect(services.effects).toEqual([expect.objectContaining({ applied: false, outcome: "failed" })]);
    expect(services.applied("payments", "run-1:1")).toBeUndefined();
  });

  it("timeout: hangs until the service timeout, then throws; applies nothing", async () => {
    const { services, clock } = setup();
    services.setBehavior("payments", "timeout");
    let settled = false;
    const pending = services.call(request());
    pending.catch(() => {}).finally(() => (settled = true));
    clock.advance(SERVICE_LATENCY_MS_MAX);
    await flush();
    clock.set(START_EPOCH_MS + SERVICE_TIMEOUT_MS - 1);
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await failureOf(pending)).toMatchObject({ type: SERVICE_TIMEOUT });
    expect(services.effects).toEqual([expect.objectContaining({ applied: false, outcome: "timedOut" })]);
  });

  it("succeedThenTimeout: applies the effect, then times out; a retry under the same key is a duplicate, under a new key a second effect", async () => {
    const { services, clock } = setup();
    services.setBehavior("payments", "succeedThenTimeout");
    const { reply: pending } = await pastLatency(clock, services, request());
    // Applied (and recorded) while the caller is still waiting.
    expect(services.applied("payments", "run-1:1")).toMatchObject({ receipt: "payments-charge-1" });
    clock.set(START_EPOCH_MS + SERVICE_TIMEOUT_MS);
    expect(await failureOf(pending)).toMatchObject({ type: SERVICE_TIMEOUT });
    services.setBehavior("payments", null);
    expect(await answer(clock, services, request({ attempt: 2 }))).toEqual({ receipt: "payments-charge-1", duplicate: true });
    // The planted bug the checkers must catch: a key per attempt applies the step twice.
    expect(await answer(clock, services, request({ key: "run-1:1#2", attempt: 2 }))).toEqual({ receipt: "payments-charge-2", duplicate: false });
    expect(services.effects.map((e) => [e.key, e.applied, e.outcome])).toEqual([
      ["run-1:1", true, "timedOut"],
      ["run-1:1", false, "ok"],
      ["run-1:1#2", true, "ok"],
    ]);
    expect(services.effects.filter((e) => e.step === "run-1:1" && e.applied)).toHaveLength(2);
  });

  it("an abort rejects with the signal's reason, during the latency or during a hang", async () => {
    const { services, clock } = setup();
    const early = new AbortController();
    const duringLatency = services.call(request({ signal: early.signal }));
    early.abort(new Error("attempt timed out"));
    await expect(duringLatency).rejects.toThrow("attempt timed out");
    expect(services.effects).toEqual([expect.objectContaining({ applied: false, outcome: "timedOut" })]);

    services.setBehavior("payments", "succeedThenTimeout");
    const late = new AbortController();
    const { reply: duringHang } = await pastLatency(clock, services, request({ key: "run-1:2", step: "run-1:2", signal: late.signal }));
    late.abort(new Error("lease lost"));
    await expect(duringHang).rejects.toThrow("lease lost");
    // The effect stays applied: the abort only stops the caller waiting. One record for the call.
    expect(services.effects.slice(1)).toEqual([expect.objectContaining({ key: "run-1:2", applied: true, outcome: "timedOut" })]);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("an outage set during a call does not change that call", async () => {
    const { services, clock } = setup();
    const pending = services.call(request());
    services.setBehavior("payments", "fail");
    clock.advance(SERVICE_LATENCY_MS_MAX);
    expect(await pending).toMatchObject({ duplicate: false });
    expect(services.behaviorOf("payments")).toBe("fail");
  });

  it("records carry virtual ms since the start, and the same seed and calls give the same records and trace", async () => {
    async function run(seed: string) {
      const { clock, services, trace } = setup(seed);
      clock.advance(1_000);
      for (let i = 1; i <= 5; i++) await answer(clock, services, request({ key: `k${i % 3}`, attempt: i }));
      return { effects: services.effects, trace };
    }
    const a = await run("seed-a");
    const times = [1_000, ...a.effects.map((e) => e.atMs)];
    const latencies = times.slice(1).map((t, i) => t - times[i]!);
    expect(latencies.every((ms) => ms >= SERVICE_LATENCY_MS_MIN && ms <= SERVICE_LATENCY_MS_MAX)).toBe(true);
    expect(await run("seed-a")).toEqual(a);
    expect(a.trace[0]).toMatch(/^\d+ service payments\.charge key=k1 step=run-1:1 attempt=1 ok applied payments-charge-1$/);
    expect(a.trace[3]).toContain("ok duplicate payments-charge-1");
    expect((await run("seed-b")).effects.map((e) => e.atMs)).not.toEqual(a.effects.map((e) => e.atMs));
  });

  it("rejects malformed requests and unknown services as bugs", async () => {
    const { services } = setup();
    await expect(services.call(request({ attempt: 0 }))).rejects.toThrow("attempt must be a whole number >= 1");
    await expect(services.call(request({ key: "" }))).rejects.toThrow("key must be a non-empty string");
    await expect(services.call(request({ service: "email" as never }))).rejects.toThrow('unknown service "email"');
    expect(() => services.setBehavior("email" as never, "refuse")).toThrow("unknown service");
    expect(services.effects).toEqual([]);
  });
});
