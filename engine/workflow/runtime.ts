/**
 * The workflow runtime: the context workflow code runs against during one
 * workflow task. It hands out promises for activities, timers and signals,
 * collects the commands the code issues, and resolves promises as the replay
 * driver (replay.ts) delivers history events, always in history order.
 *
 * Nothing here reads a clock or draws entropy: time is the workflow task's
 * recorded time, and randomness is a PRNG seeded with the run's recorded seed.
 */
import {
  ActivityFailure,
  CancelledError,
  ChildWorkflowFailure,
  InvalidArgumentError,
  NonDeterminismError,
  RatchetError,
  UnknownTypeError,
  WorkflowAlreadyRunningError,
  fromFailureInfo,
  toFailureInfo,
  type FailureInfo,
} from "../errors.ts";
import { PARENT_CLOSE_POLICIES, type HistoryEvent } from "../history/events.ts";
import { COMMANDS_PER_WORKFLOW_TASK_MAX, HISTORY_EVENTS_CONTINUE_AS_NEW_SUGGESTED, SLEEP_MS_MAX } from "../limits.ts";
import { checkChoice, checkQueueName, checkSearchAttributes, checkSignalName, checkTypeName, checkWorkflowId, type SearchAttributeValue } from "../names.ts";
import { encodePayload } from "../payload.ts";
import type { Logger } from "../ports/logger.ts";
import { uuidV7 } from "../ports/random.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import { isTerminal, type Command } from "./commands.ts";
import { resolveActivityOptions, resolveLocalActivityOptions, type ActivityOptions, type LocalActivityOptions, type ResolvedLocalActivityOptions } from "./options.ts";
import type {
  ActivityMap,
  ActivityStubs,
  ChildWorkflowHandle,
  ChildWorkflowOptions,
  ContinueAsNewOptions,
  UpdateHandlerOptions,
  WorkflowContext,
  WorkflowFunction,
  WorkflowInfo,
} from "./types.ts";

interface PendingActivity {
  kind: "activity";
  activityType: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface PendingTimer {
  kind: "timer";
  fire: () => void;
  /** Set when the timer is a signal wait's timeout: cancellation then rejects the waiter, not the timer. */
  waiter?: SignalWaiter;
  reject: (err: Error) => void;
}

interface SignalWaiter {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timerSeq?: number;
}

/** A child workflow: started (ChildWorkflowStarted) or not yet, then closed (ChildWorkflowCompleted or ChildWorkflowFailed). */
interface PendingChild {
  kind: "child";
  workflowType: string;
  workflowId: string;
  runId: string;
  resolveStart: (handle: ChildWorkflowHandle<unknown>) => void;
  rejectStart: (err: Error) => void;
  handle: ChildWorkflowHandle<unknown>;
  resolveResult: (value: unknown) => void;
  rejectResult: (err: Error) => void;
}

/** A local activity the code awaits: answered within the same workflow task (replay.ts settleLocalActivities). */
interface PendingLocal {
  kind: "local";
  activityType: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** What the code asked a local activity to do. */
export interface LocalActivityRequest {
  seq: number;
  activityType: string;
  input: unknown;
  options: ResolvedLocalActivityOptions;
}

/** How it went: the result as JSON text, or the last attempt's failure; `attempt` is the attempts made. */
export type LocalOutcome = { attempt: number; resultJson: string; failure?: undefined } | { attempt: number; failure: FailureInfo; resultJson?: undefined };

type Pending = PendingActivity | PendingTimer | PendingChild | PendingLocal;

interface UpdateHandler {
  handler: (args: unknown) => unknown;
  validator: ((args: unknown) => void) | undefined;
}

/** Decisions a replayed activation recorded, which replay follows instead of making again. */
export interface RecordedDecisions {
  patches: ReadonlySet<string>;
  updates: ReadonlyMap<string, { accepted: true } | { accepted: false; failure: FailureInfo }>;
  localActivities: ReadonlyMap<number, LocalOutcome>;
}

const NOTHING_RECORDED: RecordedDecisions = { patches: new Set(), updates: new Map(), localActivities: new Map() };

export class WorkflowRuntime implements WorkflowContext {
  /** Set when the task must fail rather than decide (non-determinism, unknown activity type). */
  fatal: RatchetError | undefined;
  /** Set once the workflow function settled and its terminal command was issued. */
  terminal = false;

  private seq = 0;
  private commands: Command[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly cancelledSeqs = new Set<number>();
  /** Children whose cancellation this run has asked for (handle.cancel, or its own cancellation). */
  private readonly childCancelRequested = new Set<number>();
  private readonly signalBuffer = new Map<string, unknown[]>();
  private readonly signalWaiters = new Map<string, SignalWaiter[]>();
  private readonly queryHandlers = new Map<string, (args: unknown) => unknown>();
  /** Each patch id's answer, fixed at its first patched() call in this execution. */
  private readonly patches = new Map<string, boolean>();
  /** What the replayed activation recorded: patch markers, update acceptances and rejections (empty when live). */
  private recorded: RecordedDecisions = NOTHING_RECORDED;
  private readonly updateHandlers = new Map<string, UpdateHandler>();
  private localRequests: LocalActivityRequest[] = [];
  private readonly prng: SeededRandom;
  private nowMs = 0;
  private historyEvents = 0;
  private replaying = false;
  private cancelled = false;

  constructor(
    readonly info: WorkflowInfo,
    randomSeed: string,
    private readonly knownActivityTypes: ReadonlySet<string> | undefined,
    private readonly logger: Logger | undefined,
  ) {
    this.prng = new SeededRandom(randomSeed);
  }

  // -- driven by replay.ts -----------------------------------------------------

  beginActivation(atMs: number, replaying: boolean, historyLength: number, recorded: RecordedDecisions = NOTHING_RECORDED): void {
    this.nowMs = atMs;
    this.replaying = replaying;
    this.historyEvents = historyLength;
    this.recorded = recorded;
  }

  start(fn: WorkflowFunction, input: unknown): void {
    let promise: Promise<unknown>;
    try {
      promise = Promise.resolve(fn(this, input));
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(
      (result) => this.complete(result),
      (err) => this.fail(err),
    );
  }

  /** Take the commands issued since the last call (none after a terminal one: the run ends there). */
  takeCommands(): Command[] {
    const taken = this.commands;
    this.commands = [];
    const end = taken.findIndex(isTerminal);
    return end < 0 ? taken : taken.slice(0, end + 1);
  }

  /** Deliver one resolution event: resolve or reject what it answers. */
  deliver(event: HistoryEvent): void {
    if (this.fatal || this.terminal) return;
    switch (event.type) {
      case "ActivityCompleted":
      case "ActivityFailed": {
        const p = this.takePending(event.data.seq, "activity", event);
        if (!p) return;
        if (event.type === "ActivityCompleted") p.resolve(event.data.result);
        else p.reject(new ActivityFailure(p.activityType, event.data.seq, event.data.attempt, fromFailureInfo(event.data.failure)));
        return;
      }
      case "TimerFired": {
        const p = this.takePending(event.data.seq, "timer", event);
        if (p) p.fire();
        return;
      }
      case "SignalReceived": {
        const waiters = this.signalWaiters.get(event.data.name);
        const waiter = waiters?.shift();
        if (waiter) {
          if (waiter.timerSeq !== undefined) this.cancelTimer(waiter.timerSeq);
          waiter.resolve(event.data.payload);
          return;
        }
        const buffer = this.signalBuffer.get(event.data.name) ?? [];
        buffer.push(event.data.payload);
        this.signalBuffer.set(event.data.name, buffer);
        return;
      }
      case "WorkflowCancelRequested":
        this.deliverCancellation(event.data.reason);
        return;
      case "WorkflowUpdateRequested":
        this.deliverUpdate(event.data.updateId, event.data.name, event.data.args);
        return;
      case "ChildWorkflowStarted": {
        const p = this.takePending(event.data.seq, "child", event, true);
        if (p) p.resolveStart(p.handle);
        return;
      }
      case "ChildWorkflowStartFailed": {
        const p = this.takePending(event.data.seq, "child", event);
        if (!p) return;
        const err = new WorkflowAlreadyRunningError(event.data.workflowId, event.data.runningRunId);
        p.rejectStart(err);
        p.rejectResult(err);
        return;
      }
      case "ChildWorkflowCompleted":
      case "ChildWorkflowFailed": {
        const p = this.takePending(event.data.seq, "child", event);
        if (!p) return;
        if (event.type === "ChildWorkflowCompleted") p.resolveResult(event.data.result);
        else p.rejectResult(new ChildWorkflowFailure(p.workflowType, p.workflowId, event.data.runId, event.data.status, fromFailureInfo(event.data.failure)));
        return;
      }
      default:
        return;
    }
  }

  // -- WorkflowContext -----------------------------------------------------------

  get isReplaying(): boolean {
    return this.replaying;
  }

  get cancelRequested(): boolean {
    return this.cancelled;
  }

  get historyLength(): number {
    return this.historyEvents;
  }

  get continueAsNewSuggested(): boolean {
    return this.historyEvents >= HISTORY_EVENTS_CONTINUE_AS_NEW_SUGGESTED;
  }

  setQueryHandler(name: string, handler: (args: unknown) => unknown): void {
    checkSignalName(name, "query");
    if (typeof handler !== "function") throw new InvalidArgumentError(`query handler for ${JSON.stringify(name)} must be a function`, { field: "handler" });
    this.queryHandlers.set(name, handler);
  }

  setUpdateHandler(name: string, handler: (args: unknown) => unknown, options: UpdateHandlerOptions = {}): void {
    checkSignalName(name, "update");
    if (typeof handler !== "function") throw new InvalidArgumentError(`update handler for ${JSON.stringify(name)} must be a function`, { field: "handler" });
    if (options.validator !== undefined && typeof options.validator !== "function") {
      throw new InvalidArgumentError(`validator of update ${JSON.stringify(name)} must be a function`, { field: "validator" });
    }
    this.updateHandlers.set(name, { handler, validator: options.validator });
  }

  /** The handler a query names, if the code registered one (for the client's query()). */
  queryHandler(name: string): ((args: unknown) => unknown) | undefined {
    return this.queryHandlers.get(name);
  }

  /** Names of the registered query handlers, sorted (for the error when a query names none of them). */
  get queryNames(): string[] {
    return [...this.queryHandlers.keys()].sort();
  }

  /**
   * Versioning (Temporal's patching): true when this run takes the new code
   * path. Live, it is true and records a marker; replaying, it is true only
   * if the activation being replayed recorded that marker — a run that
   * passed this point on the old code replays the old path. The answer is
   * fixed for the rest of the execution at the first call.
   */
  patched(patchId: string): boolean {
    this.guard();
    checkSignalName(patchId, "patchId");
    const known = this.patches.get(patchId);
    if (known !== undefined) return known;
    const take = !this.replaying || this.recorded.patches.has(patchId);
    this.patches.set(patchId, take);
    if (take) this.commands.push({ type: "RecordPatch", patchId });
    return take;
  }

  upsertSearchAttributes(attributes: Record<string, SearchAttributeValue>): void {
    this.guard();
    this.commands.push({ type: "UpsertSearchAttributes", attributesJson: checkSearchAttributes(attributes) });
  }

  deprecatePatch(patchId: string): void {
    this.patched(patchId);
  }

  continueAsNew(input?: unknown, options: ContinueAsNewOptions = {}): Promise<never> {
    this.guard();
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("continueAsNew options must be an object", { field: "options" });
    const workflowType = checkTypeName(options.workflowType ?? this.info.workflowType, "workflowType");
    const taskQueue = checkQueueName(options.taskQueue ?? this.info.taskQueue);
    const inputJson = encodePayload(input, `input of the run ${this.info.workflowId} continues as`);
    if (!this.terminal) {
      this.terminal = true;
      // Drawn from the run's PRNG: replay draws the same id and seed; the id is time-ordered like a started run's.
      this.commands.push({ type: "ContinueAsNew", workflowType, taskQueue, inputJson, newRunId: uuidV7(this.nowMs, this.prng), randomSeed: this.prng.uuid() });
    }
    return new Promise<never>(() => {});
  }

  activity<T = unknown>(activityType: string, input?: unknown, options?: ActivityOptions): Promise<T> {
    this.guard();
    checkTypeName(activityType, "activityType");
    const resolved = resolveActivityOptions(options, this.info.taskQueue);
    if (this.knownActivityTypes && resolved.taskQueue === this.info.taskQueue && !this.knownActivityTypes.has(activityType)) {
      // Most likely a typo or a deployment missing the activity: fail the task (the run stays, and is retried
      // with backoff, so deploying the activity resumes it) rather than fail the workflow for good.
      const known = [...this.knownActivityTypes].sort().join(", ");
      this.fatal = new UnknownTypeError("UNKNOWN_ACTIVITY_TYPE", `activity type "${activityType}" is not registered on task queue "${resolved.taskQueue}" (registered: ${known || "none"})`, {
        activityType,
        taskQueue: resolved.taskQueue,
        workflowId: this.info.workflowId,
        runId: this.info.runId,
      });
      throw this.fatal;
    }
    const inputJson = encodePayload(input, `input of activity ${activityType}`);
    const seq = this.nextSeq();
    this.commands.push({ type: "ScheduleActivity", seq, activityType, inputJson, options: resolved });
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { kind: "activity", activityType, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  activities<A extends ActivityMap>(options?: ActivityOptions): ActivityStubs<A> {
    return new Proxy({} as ActivityStubs<A>, {
      get: (_target, name) => {
        if (typeof name !== "string") return undefined;
        // Per-call options override the stub's; a per-call retry policy overrides field by field.
        return (input: unknown, callOptions?: ActivityOptions) =>
          this.activity(name, input, { ...options, ...callOptions, ...(options?.retry || callOptions?.retry ? { retry: { ...options?.retry, ...callOptions?.retry } } : {}) });
      },
    });
  }

  startChild<T = unknown>(workflowType: string, input?: unknown, options: ChildWorkflowOptions = {}): Promise<ChildWorkflowHandle<T>> {
    this.guard();
    checkTypeName(workflowType, "workflowType");
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("child workflow options must be an object", { field: "options" });
    const taskQueue = checkQueueName(options.taskQueue ?? this.info.taskQueue);
    const parentClosePolicy = checkChoice(options.parentClosePolicy ?? "terminate", "parentClosePolicy", PARENT_CLOSE_POLICIES);
    const chosenId = options.workflowId === undefined ? undefined : checkWorkflowId(options.workflowId);
    const inputJson = encodePayload(input, `input of child workflow ${workflowType}`);
    const searchAttributesJson = options.searchAttributes === undefined ? undefined : checkSearchAttributes(options.searchAttributes);
    const seq = this.nextSeq();
    const workflowId = chosenId ?? `${this.info.runId}/${seq}`;
    // Drawn from the run's PRNG, so replay issues the same command.
    const runId = uuidV7(this.nowMs, this.prng);
    const randomSeed = this.prng.uuid();
    this.commands.push({ type: "StartChildWorkflow", seq, workflowId, workflowType, taskQueue, inputJson, parentClosePolicy, runId, randomSeed, ...(searchAttributesJson === undefined ? {} : { searchAttributesJson }) });
    let resolveResult!: (value: unknown) => void;
    let rejectResult!: (err: Error) => void;
    const result = new Promise<unknown>((resolve, reject) => {
      resolveResult = resolve;
      rejectResult = reject;
    });
    // Code that never asks for the result must not see its failure as an unhandled rejection.
    result.catch(() => {});
    const handle: ChildWorkflowHandle<unknown> = { workflowId, firstRunId: runId, result: () => result, cancel: () => this.requestCancelChild(seq, workflowId) };
    return new Promise<ChildWorkflowHandle<T>>((resolve, reject) => {
      this.pending.set(seq, {
        kind: "child",
        workflowType,
        workflowId,
        runId,
        resolveStart: resolve as (handle: ChildWorkflowHandle<unknown>) => void,
        rejectStart: reject,
        handle,
        resolveResult,
        rejectResult,
      });
    });
  }

  /** A child's handle.cancel(): one RequestCancelChild while it is awaited (the parent's own cancellation asks too, once). */
  private requestCancelChild(seq: number, workflowId: string): void {
    this.guard();
    if (this.pending.get(seq)?.kind !== "child" || this.childCancelRequested.has(seq)) return;
    this.childCancelRequested.add(seq);
    this.commands.push({ type: "RequestCancelChild", seq, workflowId });
  }

  async executeChild<T = unknown>(workflowType: string, input?: unknown, options?: ChildWorkflowOptions): Promise<T> {
    const handle = await this.startChild<T>(workflowType, input, options);
    return handle.result();
  }

  localActivity<T = unknown>(activityType: string, input?: unknown, options?: LocalActivityOptions): Promise<T> {
    this.guard();
    checkTypeName(activityType, "activityType");
    const resolved = resolveLocalActivityOptions(options);
    const inputJson = encodePayload(input, `input of local activity ${activityType}`);
    const seq = this.nextSeq();
    this.localRequests.push({ seq, activityType, input: JSON.parse(inputJson) as unknown, options: resolved });
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { kind: "local", activityType, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** The local activities asked for since the last call and still awaited (replay.ts answers them). */
  takeLocalRequests(): LocalActivityRequest[] {
    const taken = this.localRequests.filter((r) => this.pending.get(r.seq)?.kind === "local");
    this.localRequests = [];
    return taken;
  }

  /** Deliver a local activity's outcome: its marker is recorded here, where the code sees it. */
  resolveLocal(request: LocalActivityRequest, outcome: LocalOutcome): void {
    const p = this.pending.get(request.seq);
    if (!p || p.kind !== "local") return; // cancelled meanwhile: its outcome is dropped, as a cancelled activity's is
    this.pending.delete(request.seq);
    const marker = { type: "RecordLocalActivity", seq: request.seq, activityType: request.activityType, attempt: outcome.attempt } as const;
    if (outcome.failure === undefined) {
      this.commands.push({ ...marker, resultJson: outcome.resultJson });
      p.resolve(JSON.parse(outcome.resultJson));
    } else {
      this.commands.push({ ...marker, failure: outcome.failure });
      p.reject(new ActivityFailure(request.activityType, request.seq, outcome.attempt, fromFailureInfo(outcome.failure)));
    }
  }

  sleep(ms: number): Promise<void> {
    this.guard();
    const durationMs = checkDuration(ms, "sleep duration");
    return new Promise<void>((resolve, reject) => {
      this.startTimer(durationMs, { kind: "timer", fire: () => resolve(), reject });
    });
  }

  waitForSignal<T = unknown>(name: string): Promise<T>;
  waitForSignal<T = unknown>(name: string, options: { timeoutMs: number }): Promise<T | undefined>;
  waitForSignal<T = unknown>(name: string, options?: { timeoutMs: number }): Promise<T | undefined> {
    this.guard();
    checkSignalName(name);
    const timeoutMs = options === undefined ? undefined : checkDuration(options.timeoutMs, "waitForSignal timeoutMs");
    const buffer = this.signalBuffer.get(name);
    if (buffer && buffer.length > 0) return Promise.resolve(buffer.shift() as T);
    return new Promise<T | undefined>((resolve, reject) => {
      const waiter: SignalWaiter = { resolve: resolve as (v: unknown) => void, reject };
      const waiters = this.signalWaiters.get(name) ?? [];
      waiters.push(waiter);
      this.signalWaiters.set(name, waiters);
      if (timeoutMs !== undefined) {
        waiter.timerSeq = this.startTimer(timeoutMs, {
          kind: "timer",
          waiter,
          reject,
          fire: () => {
            const list = this.signalWaiters.get(name);
            const i = list?.indexOf(waiter) ?? -1;
            if (list && i >= 0) list.splice(i, 1);
            resolve(undefined);
          },
        });
      }
    });
  }

  now(): number {
    return this.nowMs;
  }

  random(): number {
    return this.prng.float();
  }

  uuid(): string {
    return this.prng.uuid();
  }

  log(message: string, fields?: Record<string, unknown>): void {
    if (this.replaying || !this.logger) return;
    this.logger.log("info", message, { workflowId: this.info.workflowId, runId: this.info.runId, ...fields });
  }

  // -- internals -------------------------------------------------------------

  /**
   * An update: validated (live; on replay the recorded acceptance or
   * rejection is followed, so a changed validator cannot diverge), then, if
   * accepted, its handler runs like workflow code — it may await activities,
   * timers and signals — and its answer is recorded when it settles.
   */
  /** Why an update is refused: no handler of its name, or its validator threw; undefined if it is accepted. */
  private updateRefusal(h: UpdateHandler | undefined, name: string, args: unknown): FailureInfo | undefined {
    if (!h) {
      const known = [...this.updateHandlers.keys()].sort().join(", ");
      return toFailureInfo(new InvalidArgumentError(`no update handler is registered for "${name}" (registered: ${known || "none"})`, { field: "update", name }));
    }
    try {
      if ((h.validator?.(args) as unknown) instanceof Promise) throw new InvalidArgumentError(`the validator of update "${name}" returned a promise: validators decide synchronously`, { field: "validator" });
      return undefined;
    } catch (err) {
      return toFailureInfo(err);
    }
  }

  private deliverUpdate(updateId: string, name: string, args: unknown): void {
    const h = this.updateHandlers.get(name);
    const recorded = this.replaying ? this.recorded.updates.get(updateId) : undefined;
    // A recorded acceptance stands without re-running the validator; a handler since removed still refuses (and replay reports it).
    const refusal = recorded?.accepted === false ? recorded.failure : recorded === undefined || !h ? this.updateRefusal(h, name, args) : undefined;
    if (refusal !== undefined || !h) {
      this.commands.push({ type: "RejectUpdate", updateId, failure: refusal ?? this.updateRefusal(h, name, args)! });
      return;
    }
    this.commands.push({ type: "AcceptUpdate", updateId });
    let answer: Promise<unknown>;
    try {
      answer = Promise.resolve(h.handler(args));
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(
      (result) => {
        if (this.fatal || this.terminal) return;
        let resultJson: string;
        try {
          resultJson = encodePayload(result, `answer to update ${name}`);
        } catch (err) {
          this.commands.push({ type: "FailUpdate", updateId, failure: toFailureInfo(err) });
          return;
        }
        this.commands.push({ type: "CompleteUpdate", updateId, resultJson });
      },
      (err) => {
        if (this.fatal || this.terminal) return;
        if (err instanceof NonDeterminismError || err instanceof UnknownTypeError) {
          this.fatal = err;
          return;
        }
        this.commands.push({ type: "FailUpdate", updateId, failure: toFailureInfo(err) });
      },
    );
  }

  private guard(): void {
    if (this.fatal) throw this.fatal;
  }

  private nextSeq(): number {
    if (this.commands.length >= COMMANDS_PER_WORKFLOW_TASK_MAX) {
      throw new InvalidArgumentError(`a workflow task may issue at most ${COMMANDS_PER_WORKFLOW_TASK_MAX} commands (COMMANDS_PER_WORKFLOW_TASK_MAX)`, {
        limit: COMMANDS_PER_WORKFLOW_TASK_MAX,
      });
    }
    this.seq += 1;
    return this.seq;
  }

  private startTimer(durationMs: number, pending: PendingTimer): number {
    const seq = this.nextSeq();
    this.commands.push({ type: "StartTimer", seq, durationMs });
    this.pending.set(seq, pending);
    return seq;
  }

  private cancelTimer(seq: number): void {
    if (!this.pending.delete(seq)) return;
    this.cancelledSeqs.add(seq);
    this.commands.push({ type: "CancelTimer", seq });
  }

  /** The pending command `event` answers, removed unless `keep` (a child's start, whose result is still to come). */
  private takePending<K extends Pending["kind"]>(seq: number, kind: K, event: HistoryEvent, keep = false): Extract<Pending, { kind: K }> | undefined {
    const p = this.pending.get(seq);
    if (!p) {
      // A result that raced with this workflow's cancellation of the same command is dropped, as it was live.
      if (this.cancelledSeqs.has(seq)) return undefined;
      this.fatal = new NonDeterminismError(
        `history event ${event.eventId} (${event.type}) answers command ${seq}, which the workflow code has not issued: the code no longer matches this history`,
        { workflowId: this.info.workflowId, runId: this.info.runId, eventId: event.eventId, seq },
      );
      return undefined;
    }
    if (p.kind !== kind) {
      this.fatal = new NonDeterminismError(`history event ${event.eventId} (${event.type}) answers command ${seq}, but the code issued a ${p.kind} there`, {
        workflowId: this.info.workflowId,
        runId: this.info.runId,
        eventId: event.eventId,
        seq,
      });
      return undefined;
    }
    if (!keep) this.pending.delete(seq);
    return p as Extract<Pending, { kind: K }>;
  }

  /**
   * Cancellation: every pending activity and timer is cancelled (a command
   * each, in sequence order) and its promise rejects with CancelledError, as
   * do pending signal waits. Code may catch it and go on, including running
   * new activities for cleanup. A pending child workflow is asked to cancel
   * (RequestCancelChild) and still awaited: its cancellation, once it has
   * cleaned up, arrives as a ChildWorkflowFailure with status "cancelled"
   * (Temporal's default, wait for the child's cancellation to complete).
   */
  private deliverCancellation(reason: string): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const rejections: Array<(err: Error) => void> = [];
    for (const [seq, p] of [...this.pending.entries()].sort((a, b) => a[0] - b[0])) {
      if (p.kind === "local") {
        // Nothing was scheduled: it is simply no longer awaited.
        this.pending.delete(seq);
        this.cancelledSeqs.add(seq);
        rejections.push(p.reject);
        continue;
      }
      if (p.kind === "child") {
        if (!this.childCancelRequested.has(seq)) this.commands.push({ type: "RequestCancelChild", seq, workflowId: p.workflowId });
        this.childCancelRequested.add(seq);
        continue;
      }
      this.pending.delete(seq);
      this.cancelledSeqs.add(seq);
      this.commands.push(p.kind === "activity" ? { type: "CancelActivity", seq } : { type: "CancelTimer", seq });
      if (p.kind === "activity" || !p.waiter) rejections.push(p.reject);
    }
    for (const waiters of this.signalWaiters.values()) {
      for (const w of waiters) rejections.push(w.reject);
      waiters.length = 0;
    }
    for (const reject of rejections) reject(new CancelledError(`workflow cancellation requested: ${reason}`));
  }

  private complete(result: unknown): void {
    if (this.fatal || this.terminal) return;
    let resultJson: string;
    try {
      resultJson = encodePayload(result, "workflow result");
    } catch (err) {
      this.fail(err);
      return;
    }
    this.terminal = true;
    this.commands.push({ type: "CompleteWorkflow", resultJson });
  }

  private fail(err: unknown): void {
    if (this.fatal || this.terminal) return;
    if (err instanceof NonDeterminismError || err instanceof UnknownTypeError) {
      this.fatal = err;
      return;
    }
    this.terminal = true;
    const cancellation = err instanceof CancelledError || (err instanceof ChildWorkflowFailure && err.status === "cancelled");
    if (cancellation && this.cancelled) {
      this.commands.push({ type: "CancelWorkflow", reason: err.message });
      return;
    }
    this.commands.push({ type: "FailWorkflow", failure: toFailureInfo(err) });
  }
}

function checkDuration(ms: unknown, field: string): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > SLEEP_MS_MAX) {
    throw new InvalidArgumentError(`invalid ${field} ${JSON.stringify(ms)}: expected milliseconds from 0 to ${SLEEP_MS_MAX}`, { field, value: ms });
  }
  return Math.ceil(ms);
}
