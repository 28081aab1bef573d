/**
 * The external services the simulated workloads call (inventory, payments,
 * shipping, notifications), in memory and on virtual time.
 *
 * Each service keeps an effect ledger keyed by idempotency key (ledger.ts),
 * so a retried call is answered from the ledger instead of applying its
 * effect again. Every call, whatever happened to it, is appended to
 * `effects`: the record the exactly-once checker reads.
 *
 * Outages are set per service (`setBehavior`) and take hold for calls made
 * from then on; a call in flight keeps the behavior it started with.
 * `succeedThenTimeout` is the ambiguous call that breaks naive retries: the
 * effect is applied, then the caller hears nothing back.
 *
 * Deterministic: given the same sequence of calls, behaviors and PRNG seed,
 * the records, receipts and trace are identical. Latency is drawn for every
 * call, even one refused at once, so an outage never shifts the latencies
 * later calls draw.
 */
import type { Clock } from "../../engine/index.ts";
import { SERVICE_NAMES, type EffectRecord, type ServiceBehavior, type ServiceName } from "../model.ts";
import type { Prng } from "../prng.ts";
import { IDEMPOTENCY_KEY_REUSED, SERVICE_FAILED, SERVICE_TIMEOUT, SERVICE_UNAVAILABLE, serviceFailure } from "./failures.ts";
import { EffectLedger } from "./ledger.ts";
import { SERVICE_LATENCY_MS_MAX, SERVICE_LATENCY_MS_MIN, SERVICE_TIMEOUT_MS } from "./limits.ts";

export interface MockServicesOptions {
  /** The simulator's virtual clock: latency and hangs sleep on it. */
  clock: Clock;
  /** This subsystem's own stream (e.g. `master.child("services")`). */
  prng: Prng;
  /** `clock.now()` at virtual time 0, so records carry ms since the start of the run. */
  startEpochMs: number;
  /** One line per call, in the order the services decided them. */
  trace?: (line: string) => void;
}

export interface ServiceRequest {
  service: ServiceName;
  operation: string;
  /** The idempotency key the caller presents; the ledger dedups on it. */
  key: string;
  /** The step the call belongs to (`runId:seq`), whatever key was presented. */
  step: string;
  workflowId: string;
  /** 1-based. */
  attempt: number;
  /** The caller giving up: a pending call rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ServiceReply {
  receipt: string;
  /** True when the ledger already held this key: nothing was applied by this call. */
  duplicate: boolean;
}

type Outcome = EffectRecord["outcome"];

export class MockServices {
  /** Every call, in the order the services decided its outcome. */
  readonly effects: EffectRecord[] = [];
  private readonly clock: Clock;
  private readonly prng: Prng;
  private readonly startEpochMs: number;
  private readonly trace: ((line: string) => void) | undefined;
  private readonly ledgers: ReadonlyMap<ServiceName, EffectLedger>;
  private readonly behaviors = new Map<ServiceName, ServiceBehavior>();

  constructor(options: MockServicesOptions) {
    this.clock = options.clock;
    this.prng = options.prng;
    this.startEpochMs = options.startEpochMs;
    this.trace = options.trace;
    this.ledgers = new Map(SERVICE_NAMES.map((name) => [name, new EffectLedger(name)]));
  }

  /** Start an outage on `service` (null: healthy again). Calls already in flight are not affected. */
  setBehavior(service: ServiceName, behavior: ServiceBehavior | null): void {
    checkService(service);
    if (behavior === null) this.behaviors.delete(service);
    else this.behaviors.set(service, behavior);
  }

  behaviorOf(service: ServiceName): ServiceBehavior | null {
    return this.behaviors.get(service) ?? null;
  }

  /** The ledger entry a key holds on a service, if its effect was applied. */
  applied(service: ServiceName, key: string): { receipt: string; step: string; appliedAtMs: number } | undefined {
    checkService(service);
    return this.ledgers.get(service)!.get(key);
  }

  async call(request: ServiceRequest): Promise<ServiceReply> {
    checkRequest(request);
    const calledAtMs = this.clock.now();
    const latencyMs = this.prng.int(SERVICE_LATENCY_MS_MIN, SERVICE_LATENCY_MS_MAX);
    const behavior = this.behaviorOf(request.service);
    if (behavior === "refuse") {
      this.record(request, "refused", null);
      throw serviceFailure(SERVICE_UNAVAILABLE, request.service, request.operation, request.key, "service unavailable (connection refused)");
    }
    await this.sleepOrGiveUp(request, latencyMs);
    switch (behavior) {
      case null: {
        const reply = this.applyOnce(request);
        this.record(request, "ok", reply);
        return reply;
      }
      case "fail":
        this.record(request, "failed", null);
        throw serviceFailure(SERVICE_FAILED, request.service, request.operation, request.key, "internal error, nothing done");
      case "timeout":
        // Recorded now, not when the hang ends, so a call still hanging when the run stops is in the record.
        this.record(request, "timedOut", null);
        return this.hang(request, calledAtMs);
      case "succeedThenTimeout":
        this.record(request, "timedOut", this.applyOnce(request));
        return this.hang(request, calledAtMs);
    }
  }

  /** Apply the request's effect unless its key was applied already; a key reused for another operation is refused. */
  private applyOnce(request: ServiceRequest): ServiceReply {
    const ledger = this.ledgers.get(request.service)!;
    const found = ledger.lookup(request.key, request.operation);
    if (found.kind === "duplicate") return { receipt: found.entry.receipt, duplicate: true };
    if (found.kind === "conflict") {
      this.record(request, "refused", null);
      throw serviceFailure(IDEMPOTENCY_KEY_REUSED, request.service, request.operation, request.key, `key already used for ${found.entry.operation} (step ${found.entry.step})`);
    }
    return { receipt: ledger.apply(request.key, request.operation, request.step, this.atMs()).receipt, duplicate: false };
  }

  /** The call never answers: the gateway gives up SERVICE_TIMEOUT_MS after the call was made, unless the caller does first. */
  private async hang(request: ServiceRequest, calledAtMs: number): Promise<never> {
    const elapsedMs = this.clock.now() - calledAtMs;
    await this.sleepOrGiveUp(request, Math.max(0, SERVICE_TIMEOUT_MS - elapsedMs), false);
    throw serviceFailure(SERVICE_TIMEOUT, request.service, request.operation, request.key, `no answer within ${SERVICE_TIMEOUT_MS} ms`);
  }

  /**
   * Sleep on the virtual clock; if the caller aborts first, reject with the
   * signal's reason. An abort before the service decided anything is
   * recorded as a timeout (the caller stopped waiting) with nothing applied.
   */
  private async sleepOrGiveUp(request: ServiceRequest, ms: number, recordAbort = true): Promise<void> {
    try {
      await this.clock.sleep(ms, request.signal);
    } catch (reason) {
      if (recordAbort) this.record(request, "timedOut", null);
      throw reason;
    }
  }

  /** Append the call's record; `applied` is true only when this very call applied the effect. */
  private record(request: ServiceRequest, outcome: Outcome, reply: ServiceReply | null): void {
    const applied = reply !== null && !reply.duplicate;
    const record: EffectRecord = {
      atMs: this.atMs(),
      service: request.service,
      operation: request.operation,
      key: request.key,
      step: request.step,
      workflowId: request.workflowId,
      attempt: request.attempt,
      applied,
      outcome,
    };
    this.effects.push(record);
    if (this.trace) {
      const what = reply === null ? "" : reply.duplicate ? ` duplicate ${reply.receipt}` : ` applied ${reply.receipt}`;
      this.trace(`${record.atMs} service ${request.service}.${request.operation} key=${request.key} step=${request.step} attempt=${request.attempt} ${outcome}${what}`);
    }
  }

  private atMs(): number {
    return this.clock.now() - this.startEpochMs;
  }
}

function checkService(service: ServiceName): void {
  if (!SERVICE_NAMES.includes(service)) throw new Error(`MockServices: unknown service "${String(service)}" (known: ${SERVICE_NAMES.join(", ")})`);
}

/** Requests come from workload code: a malformed one is a bug in it, not an outage. */
function checkRequest(request: ServiceRequest): void {
  checkService(request.service);
  for (const field of ["operation", "key", "step", "workflowId"] as const) {
    if (typeof request[field] !== "string" || request[field].length === 0) throw new Error(`MockServices.call: ${field} must be a non-empty string`);
  }
  if (!Number.isInteger(request.attempt) || request.attempt < 1) throw new Error(`MockServices.call: attempt must be a whole number >= 1, got ${request.attempt}`);
}
