/**
 * Schedules (Temporal's): start a workflow on cron expressions and fixed
 * intervals, with an overlap policy for fires that find the last workflow
 * still running, a catch-up window for fires that come late, pause and
 * unpause, manual triggers, and a describe that says what it did and will
 * do. `client.schedules` is one of these.
 *
 * The schedule's rounds run in the workers that serve its action's task
 * queue (a timer-kind task, due at the next fire): no worker, no fires —
 * and when one comes back, the fires it missed are caught up, within the
 * window. Everything is validated before anything is written.
 */
import { InvalidArgumentError, UnknownTypeError } from "../errors.ts";
import { SCHEDULE_LIST_PAGE_SIZE_DEFAULT, SCHEDULE_NOTE_CHARS_MAX, SCHEDULE_UPCOMING_FIRES, SEARCH_ATTRIBUTES_MAX, WORKFLOW_ID_LENGTH_MAX, LIST_PAGE_SIZE_MAX } from "../limits.ts";
import { checkChoice, checkInteger, checkQueueName, checkSearchAttributes, checkTypeName, checkWorkflowId, type SearchAttributeValue } from "../names.ts";
import { encodePayload } from "../payload.ts";
import type { Clock } from "../ports/clock.ts";
import { uuidV7, type Random } from "../ports/random.ts";
import { OVERLAP_POLICIES, checkPolicies, checkScheduleSpec, compileSpec, upcomingFires, type CheckedSpec, type OverlapPolicy, type SchedulePolicies, type ScheduleSpec } from "../schedule/spec.ts";
import { SCHEDULED_AT_ATTRIBUTE, SCHEDULE_ID_ATTRIBUTE, type RecentScheduleAction, type ScheduleActionRecord, type ScheduleBackfillResult, type ScheduleCounts, type ScheduleRecord, type Store } from "../store/store.ts";
import type { WorkflowMap } from "../workflow/types.ts";

/**
 * What each fire starts: a workflow of this type, on this queue, with this input; its id is
 * `<workflowIdPrefix>-<fire time, ISO 8601>`, and a manual trigger's `<workflowIdPrefix>-<fire time>-trigger-<n>`
 * (n: the schedule's nth trigger).
 */
export interface ScheduleActionOptions {
  workflowType: string;
  taskQueue: string;
  input?: unknown;
  /** Default: the schedule id. */
  workflowIdPrefix?: string;
  /** Given to every workflow started, besides ratchetScheduleId and ratchetScheduledAtMs (which name the schedule and the fire). */
  searchAttributes?: Record<string, SearchAttributeValue>;
}

export interface ScheduleOptions {
  spec: ScheduleSpec;
  action: ScheduleActionOptions;
  policies?: SchedulePolicies;
  /** Create it paused. */
  paused?: boolean;
  /** Why (shown by describe). */
  note?: string;
}

export interface ScheduleDescription {
  scheduleId: string;
  spec: CheckedSpec;
  action: Omit<ScheduleActionRecord, "inputJson"> & { input: unknown };
  policies: Required<SchedulePolicies>;
  paused: boolean;
  note: string;
  /** The next fire times (none while paused). */
  upcoming: number[];
  /** Workflows it started that are still running. */
  running: Array<{ workflowId: string; runId: string }>;
  /** Fires waiting for those to close (bufferOne, bufferAll, cancelOther, terminateOther). */
  buffered: number[];
  /** Workflows started; fires the overlap policy skipped; fires missed (later than the catch-up window); starts refused (id running); fires due while paused (not run). */
  counts: ScheduleCounts;
  /** The latest actions, newest first. */
  recent: RecentScheduleAction[];
  createdAtMs: number;
  updatedAtMs: number;
}

/**
 * Checks a schedule id: the workflow ids it makes must fit WORKFLOW_ID_LENGTH_MAX — the prefix, a dash,
 * 24 characters of time, and for a trigger's fire "-trigger-" and its number (at most 16 digits).
 */
const FIRE_SUFFIX_CHARS = 1 + 24 + "-trigger-".length + 16;

function checkScheduleId(id: unknown): string {
  if (typeof id !== "string" || id.length > WORKFLOW_ID_LENGTH_MAX - FIRE_SUFFIX_CHARS) {
    throw new InvalidArgumentError(`invalid scheduleId ${JSON.stringify(id)}: use a string of at most ${WORKFLOW_ID_LENGTH_MAX - FIRE_SUFFIX_CHARS} characters`, { field: "scheduleId" });
  }
  return checkWorkflowId(id);
}

/** An instant given as epoch ms or a Date. */
function checkInstant(value: unknown, field: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  return checkInteger(ms, field, 0, Number.MAX_SAFE_INTEGER);
}

function checkNote(note: unknown): string {
  if (note === undefined) return "";
  if (typeof note !== "string" || note.length > SCHEDULE_NOTE_CHARS_MAX) throw new InvalidArgumentError(`note must be a string of at most ${SCHEDULE_NOTE_CHARS_MAX} characters`, { field: "note" });
  return note;
}

export class ScheduleClient {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly workflows: WorkflowMap | undefined,
  ) {}

  /** Create a schedule; SCHEDULE_ALREADY_EXISTS if its id is taken. Its first fire is the spec's first after now. */
  async create(scheduleId: string, options: ScheduleOptions): Promise<ScheduleHandle> {
    const id = checkScheduleId(scheduleId);
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("schedule options must be an object", { field: "options" });
    const definition = this.definition(id, options);
    const nowMs = this.clock.now();
    await this.store.createSchedule(
      {
        scheduleId: id,
        taskRunId: uuidV7(nowMs, this.random),
        ...definition,
        paused: options.paused === undefined ? false : options.paused === true,
        note: checkNote(options.note),
        processedUptoMs: nowMs,
      },
      definition.queue,
      nowMs,
    );
    return this.getHandle(id);
  }

  getHandle(scheduleId: string): ScheduleHandle {
    return new ScheduleHandle(this, checkScheduleId(scheduleId));
  }

  /** Schedules in id order, a page at a time: pass the nextPageToken back as pageToken. */
  async list(options: { pageSize?: number; pageToken?: string } = {}): Promise<{ schedules: Array<Pick<ScheduleDescription, "scheduleId" | "paused" | "note"> & { workflowType: string; upcoming: number[] }>; nextPageToken: string | null }> {
    const pageSize = checkInteger(options.pageSize ?? SCHEDULE_LIST_PAGE_SIZE_DEFAULT, "pageSize", 1, LIST_PAGE_SIZE_MAX);
    const after = options.pageToken === undefined ? null : checkScheduleId(options.pageToken);
    const rows = await this.store.listSchedules(after, pageSize + 1);
    const page = rows.slice(0, pageSize);
    const nowMs = this.clock.now();
    return {
      schedules: page.map((s) => ({ scheduleId: s.scheduleId, workflowType: s.action.workflowType, paused: s.paused, note: s.note, upcoming: s.paused ? [] : upcoming(s, nowMs, 1) })),
      nextPageToken: rows.length > pageSize ? page.at(-1)!.scheduleId : null,
    };
  }

  /** @internal The checked, stored form of a schedule's spec, action and policies. */
  definition(scheduleId: string, options: Pick<ScheduleOptions, "spec" | "action" | "policies">) {
    const spec = checkScheduleSpec(options.spec);
    const a = options.action;
    if (typeof a !== "object" || a === null) throw new InvalidArgumentError("action must be an object: { workflowType, taskQueue, input? }", { field: "action" });
    const workflowType = checkTypeName(a.workflowType, "workflowType");
    if (this.workflows && !Object.hasOwn(this.workflows, workflowType)) {
      throw new UnknownTypeError("UNKNOWN_WORKFLOW_TYPE", `unknown workflow type "${workflowType}" (registered: ${Object.keys(this.workflows).sort().join(", ") || "none"})`, { workflowType });
    }
    const prefix = a.workflowIdPrefix === undefined ? scheduleId : checkScheduleId(a.workflowIdPrefix);
    let searchAttributes: Record<string, SearchAttributeValue> | null = null;
    if (a.searchAttributes !== undefined) {
      checkSearchAttributes(a.searchAttributes, "action.searchAttributes");
      for (const reserved of [SCHEDULE_ID_ATTRIBUTE, SCHEDULED_AT_ATTRIBUTE]) {
        if (Object.hasOwn(a.searchAttributes, reserved)) throw new InvalidArgumentError(`action.searchAttributes.${reserved} is set by the schedule itself`, { field: `action.searchAttributes.${reserved}` });
      }
      if (Object.keys(a.searchAttributes).length > SEARCH_ATTRIBUTES_MAX - 2) {
        throw new InvalidArgumentError(`action.searchAttributes: at most ${SEARCH_ATTRIBUTES_MAX - 2} (the schedule adds two)`, { field: "action.searchAttributes" });
      }
      searchAttributes = { ...a.searchAttributes };
    }
    const action: ScheduleActionRecord = {
      workflowType,
      taskQueue: checkQueueName(a.taskQueue),
      inputJson: encodePayload(a.input, `input of scheduled workflow ${workflowType}`),
      workflowIdPrefix: prefix,
      searchAttributes,
    };
    const policies = checkPolicies(options.policies);
    // Checked against the spec now, so a bad one fails here and not in a worker's round.
    compileSpec(spec);
    return {
      specJson: JSON.stringify(spec),
      actionJson: JSON.stringify(action),
      overlap: policies.overlap,
      catchupWindowMs: policies.catchupWindowMs,
      pauseOnFailure: policies.pauseOnFailure,
      queue: action.taskQueue,
    };
  }

  /** @internal */
  get deps(): { store: Store; clock: Clock; random: Random } {
    return { store: this.store, clock: this.clock, random: this.random };
  }
}

function upcoming(s: ScheduleRecord, nowMs: number, count: number): number[] {
  return upcomingFires(compileSpec(s.spec), Math.max(s.processedUptoMs, nowMs), count);
}

export class ScheduleHandle {
  constructor(
    private readonly schedules: ScheduleClient,
    readonly scheduleId: string,
  ) {}

  async describe(): Promise<ScheduleDescription> {
    const { store, clock } = this.schedules.deps;
    const { schedule: s, running } = await store.getSchedule(this.scheduleId);
    const { inputJson, ...action } = s.action;
    return {
      scheduleId: s.scheduleId,
      spec: s.spec,
      action: { ...action, input: inputJson === undefined ? undefined : JSON.parse(inputJson) },
      policies: { overlap: s.overlap, catchupWindowMs: s.catchupWindowMs, pauseOnFailure: s.pauseOnFailure },
      paused: s.paused,
      note: s.note,
      upcoming: s.paused ? [] : upcoming(s, clock.now(), SCHEDULE_UPCOMING_FIRES),
      running,
      buffered: s.buffered.map((f) => f.atMs),
      counts: s.counts,
      recent: s.recent,
      createdAtMs: s.createdAtMs,
      updatedAtMs: s.updatedAtMs,
    };
  }

  /** Stop firing: fires that fall due while paused never run, and are counted (counts.skippedWhilePaused); running workflows carry on. */
  async pause(note = "paused"): Promise<void> {
    const { store, clock } = this.schedules.deps;
    await store.pauseSchedule(this.scheduleId, true, checkNote(note), clock.now());
  }

  /** Fire again from the next fire after now. */
  async unpause(note = ""): Promise<void> {
    const { store, clock } = this.schedules.deps;
    await store.pauseSchedule(this.scheduleId, false, checkNote(note), clock.now());
  }

  /**
   * Fire once, now, whatever the spec says and even while paused, under
   * `overlap` (default: the schedule's policy). The trigger is the
   * schedule's nth, and its workflow id is `<prefix>-<now, ISO 8601>-trigger-<n>`
   * (kept when it waits in the buffer), never a scheduled fire's. Returns
   * the workflow it started, if it started one (a skip or a buffer starts
   * none yet).
   */
  async trigger(options: { overlap?: OverlapPolicy } = {}): Promise<{ workflowId: string; runId: string } | null> {
    const { store, clock, random } = this.schedules.deps;
    const overlap = options.overlap === undefined ? undefined : checkChoice(options.overlap, "overlap", OVERLAP_POLICIES);
    return (await store.triggerSchedule(this.scheduleId, overlap, clock.now(), random)).triggered;
  }

  /**
   * Backfill (Temporal's): run the fires the spec had in [startAt, endAt) —
   * epoch ms or Dates — now, as if they had been due, under `overlap`
   * (default the schedule's; under skip only the first starts if nothing
   * else runs), whatever the catch-up window. Each fire starts the same
   * workflow id its round would have (`<prefix>-<fire time>`), and a fire
   * whose id already has a run is not started again, so retrying a backfill
   * starts nothing twice. Fires the schedule has not reached yet are left to
   * it. At most SCHEDULE_BACKFILL_FIRES_MAX fire times a call (more:
   * INVALID_ARGUMENT, nothing done).
   */
  async backfill(options: { startAt: number | Date; endAt: number | Date; overlap?: OverlapPolicy }): Promise<Omit<ScheduleBackfillResult, "nextWakeMs">> {
    const { store, clock, random } = this.schedules.deps;
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("backfill options must be { startAt, endAt, overlap? }", { field: "options" });
    const startAtMs = checkInstant(options.startAt, "startAt");
    const endAtMs = checkInstant(options.endAt, "endAt");
    if (endAtMs <= startAtMs) throw new InvalidArgumentError("backfill endAt must be after startAt", { field: "endAt" });
    const overlap = options.overlap === undefined ? undefined : checkChoice(options.overlap, "overlap", OVERLAP_POLICIES);
    const { nextWakeMs: _next, ...result } = await store.backfillSchedule(this.scheduleId, { startAtMs, endAtMs }, overlap, clock.now(), random);
    return result;
  }

  /** Replace the spec, action and policies (each one given; the rest kept). Fires due under the old spec are settled first (started, or counted when paused); from now on the new one counts. */
  async update(changes: Partial<Pick<ScheduleOptions, "spec" | "action" | "policies">>): Promise<void> {
    const { store, clock, random } = this.schedules.deps;
    const { schedule: s } = await store.getSchedule(this.scheduleId);
    const { inputJson, ...storedAction } = s.action;
    const current: Pick<ScheduleOptions, "spec" | "action" | "policies"> = {
      spec: {
        cron: s.spec.cron,
        ...(s.spec.timeZone === undefined ? {} : { timeZone: s.spec.timeZone }),
        ...(s.spec.jitterMs === undefined ? {} : { jitterMs: s.spec.jitterMs }),
        intervals: s.spec.intervals, ...(s.spec.startAtMs === null ? {} : { startAtMs: s.spec.startAtMs }), ...(s.spec.endAtMs === null ? {} : { endAtMs: s.spec.endAtMs }) },
      action: { workflowType: storedAction.workflowType, taskQueue: storedAction.taskQueue, workflowIdPrefix: storedAction.workflowIdPrefix, input: JSON.parse(inputJson), ...(storedAction.searchAttributes === null ? {} : { searchAttributes: storedAction.searchAttributes }) },
      policies: { overlap: s.overlap, catchupWindowMs: s.catchupWindowMs, pauseOnFailure: s.pauseOnFailure },
    };
    const d = this.schedules.definition(this.scheduleId, {
      spec: changes.spec ?? current.spec,
      action: changes.action ?? current.action,
      policies: { ...current.policies, ...changes.policies },
    });
    await store.updateSchedule(this.scheduleId, d, clock.now(), random);
  }

  /** Delete the schedule. The workflows it started run on. */
  async delete(): Promise<void> {
    await this.schedules.deps.store.deleteSchedule(this.scheduleId);
  }
}
