/**
 * Turns what happens during the demo into a readable narrative, one line per
 * step, stamped with seconds since the start. It listens at four places:
 *
 * - the services' call reports: an effect applied, or deduplicated;
 * - the workers' fault hook at "activity.beforeRun": which worker runs which
 *   attempt (the services only see an idempotency key);
 * - the workers' observers: attempts that failed and will be retried, and
 *   results recorded after a retry or a takeover;
 * - the workers' loggers: the workflow's own ctx.log lines, and warnings.
 */
import type { FaultContext, Logger, WorkerObserver } from "../../engine/index.ts";
import { STEP_OF_ACTIVITY } from "./activities.ts";
import type { ServiceCall } from "./services.ts";

export interface AttemptRecord {
  workerId: string;
  attempt: number;
  activityType: string;
}

export class Narrator {
  readonly lines: string[] = [];
  private readonly startedMs = performance.now();
  private readonly orderOfRun = new Map<string, string>();
  private readonly attemptsByKey = new Map<string, AttemptRecord[]>();
  /** `${key}#${attempt}` of attempts that reported a failure (so a re-run is a retry, not a takeover). */
  private readonly failedAttempts = new Set<string>();

  constructor(private readonly print: (line: string) => void) {}

  /** A narrative line, stamped with the time since the demo started. */
  say(text: string): void {
    const seconds = ((performance.now() - this.startedMs) / 1000).toFixed(2).padStart(5);
    this.emit(`[${seconds}s] ${text}`);
  }

  heading(text: string): void {
    this.emit("");
    this.emit(text);
  }

  registerRun(runId: string, orderId: string): void {
    this.orderOfRun.set(runId, orderId);
  }

  /** Every attempt of one activity, in the order they started. */
  attemptsOf(idempotencyKey: string): AttemptRecord[] {
    return this.attemptsByKey.get(idempotencyKey) ?? [];
  }

  /** Call from each worker's fault hook at "activity.beforeRun". */
  noteAttemptStarting(context: FaultContext): void {
    const key = `${context.runId}:${context.seq}`;
    const activityType = context.activityType ?? "activity";
    const attempts = this.attemptsByKey.get(key) ?? [];
    attempts.push({ workerId: context.workerId, attempt: context.attempt, activityType });
    this.attemptsByKey.set(key, attempts);
    if (context.attempt > 1 && !this.failedAttempts.has(`${key}#${context.attempt - 1}`)) {
      this.say(
        `${this.orderOf(context.runId)}: ${stepOf(activityType)} attempt ${context.attempt} claimed by ${context.workerId}: ` +
          `attempt ${context.attempt - 1}'s lease expired with no result recorded`,
      );
    }
  }

  onServiceCall(call: ServiceCall): void {
    const latest = this.attemptsOf(call.idempotencyKey).at(-1);
    const by = latest ? `${latest.workerId} (attempt ${latest.attempt})` : "an unknown worker";
    if (call.outcome === "applied") this.say(`${call.orderId}: ${call.operation} applied by ${by}: ${call.description}`);
    if (call.outcome === "deduplicated") {
      this.say(
        `${call.orderId}: ${call.operation} on ${by} deduplicated by idempotency key ${call.idempotencyKey}: ` +
          `${call.service} returned the original receipt (${call.description}), nothing applied again`,
      );
    }
    // Rejections are told by the observer, which knows whether Ratchet will retry them.
  }

  observer(workerId: string): WorkerObserver {
    return (observation) => {
      if (observation.type === "activityFailed" && !observation.final) {
        const key = `${observation.runId}:${observation.seq}`;
        this.failedAttempts.add(`${key}#${observation.attempt}`);
        const { type, message } = observation.failure;
        this.say(`${this.orderOf(observation.runId)}: ${this.stepAt(key)} attempt ${observation.attempt} failed on ${workerId} (${type}: ${message}); Ratchet will retry it`);
      }
      if (observation.type === "activityCompleted" && observation.attempt > 1) {
        const key = `${observation.runId}:${observation.seq}`;
        this.say(`${this.orderOf(observation.runId)}: ${this.stepAt(key)} result recorded by ${workerId} (attempt ${observation.attempt})`);
      }
    };
  }

  /** A worker's logger: the workflow's ctx.log lines join the narrative; engine warnings are shown too. */
  logger(workerId: string): Logger {
    return {
      log: (level, message, fields) => {
        if (level === "debug") return;
        const workflowId = fields?.workflowId;
        if (level === "info" && typeof workflowId === "string") return this.say(`${workflowId}: ${message}`);
        if (level !== "info") this.say(`${workerId} ${level}: ${message}`);
      },
    };
  }

  private emit(line: string): void {
    this.lines.push(line);
    this.print(line);
  }

  private orderOf(runId: string): string {
    return this.orderOfRun.get(runId) ?? `run ${runId.slice(0, 8)}`;
  }

  private stepAt(key: string): string {
    return stepOf(this.attemptsOf(key).at(-1)?.activityType ?? "activity");
  }
}

function stepOf(activityType: string): string {
  return (STEP_OF_ACTIVITY as Record<string, string>)[activityType] ?? activityType;
}
