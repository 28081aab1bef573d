/**
 * visibility-agrees: what client.list and client.count answered agrees with
 * the runs' histories, judged in the window each call was in flight.
 *
 * Each run goes through a sequence of states, read from its history in the
 * final database: it does not exist yet (index -1), then it is running with
 * no tracked attributes (or, continued as new, its predecessor's last ones),
 * then each SearchAttributesUpserted and finally its closing event move it
 * on; a run a retention call removed has one state more, removed, which
 * no filter matches (there until the call was made, gone once it answered).
 * The tracked attributes are those some history upserts (the
 * simulation's `stage`); no start sets them. States only move forward, and
 * a list page or a count is one statement, which sees one committed state
 * of each run — so a call in flight over [invoked, answered] saw each run in
 * a state between the lowest one it can have had at `invoked` and the
 * highest one it can have had at `answered`. Those bounds come from the
 * record, in true time, never from a worker's (skewable) clock:
 *
 * - at least: created (index 0) once start() was acknowledged, or a worker
 *   reported anything of the run (the report follows the commit); closed
 *   once terminate() was acknowledged, or its successor (same transaction)
 *   was known to exist; at least what an earlier call (answered before this
 *   one was asked) listed it in;
 * - at most: what a later call (asked after this one was answered) listed
 *   it in; not created before the driver first asked to start its workflow
 *   (a driver-started run), or while its predecessor was still open; else
 *   its last state.
 *
 * Asserted, per walk of every page of a list(filter):
 * - its pages never repeat a run and list runs newest first (run ids
 *   descending), each page at most the page size;
 * - every listed run is in the database with the listed workflow id and
 *   type, matches the filter as listed, and is listed in a state its
 *   history has, within the bounds above — so a run that closed before the
 *   call is never listed running, a closed status is the run's own, an
 *   attribute value is one the run had in the call's window, and a run
 *   that never matched in the window is never listed;
 * - a walk that finished (no page failed, not truncated) lists every run
 *   that matched in every state it can have had in its window and existed
 *   before it (for instance: started and acknowledged, never changing how
 *   it matches).
 * And per count(filter): it is at least the runs that matched throughout
 * the count's window and at most the runs that may have matched in it; and
 * when no run could change how it matches from the walk's start to the
 * count's answer, it equals the number of runs the walk listed.
 *
 * Not asserted: anything of a filter on attributes no history upserts (the
 * schedule's ratchetScheduleId), attribute values a start sets, the listed
 * taskQueue, createdAtMs, closedAtMs and parent; nor the lower bounds of a
 * walk a page of which failed or that stopped at the driver's page bound
 * (its pages are still judged).
 */
import type { EventType, RunStatus } from "../../engine/index.ts";
import type { FinalRun, ListedRun, SimRecord, Violation, VisibilityFilter, VisibilityRecord } from "../model.ts";
import { describeObservation } from "./evidence.ts";
import { continuedFromOf } from "./record-index.ts";

type AttributeValue = string | number | boolean;
type Attributes = Record<string, AttributeValue>;

/** What visibility shows of a run at one moment (the tracked attributes only). */
interface RunState {
  status: RunStatus;
  attributes: Attributes;
  /** The state after a retention call removed the run: listed by nothing, matching no filter. */
  removed?: true;
}

/** A bound on a run's state index at a time, and what shows it. */
interface Fact {
  atMs: number;
  index: number;
  why: string;
}

/** The state index before a run exists. */
const NOT_CREATED = -1;

const CLOSED_BY: Partial<Record<EventType, RunStatus>> = {
  WorkflowCompleted: "completed",
  WorkflowFailed: "failed",
  WorkflowCancelled: "cancelled",
  WorkflowTerminated: "terminated",
  WorkflowContinuedAsNew: "continuedAsNew",
};

class Timeline {
  /** By `atMs` (strictly before), the run was at least in state `index`. */
  readonly floors: Fact[] = [];
  /** At some time at or after `atMs`, the run was at most in state `index`. */
  readonly ceilings: Fact[] = [];

  constructor(
    readonly run: FinalRun,
    readonly states: readonly RunState[],
  ) {}

  /** The last state the run's history gives it (its close, for a closed run). */
  get last(): number {
    return this.states.length - (this.states.at(-1)!.removed ? 2 : 1);
  }

  /** The highest state of all: `last`, or after it the removal, for a run retention removed. */
  get end(): number {
    return this.states.length - 1;
  }

  /** The lowest state the run can have been in at `atMs`. */
  lowest(atMs: number): Fact {
    let best: Fact = { atMs: 0, index: NOT_CREATED, why: "nothing shows it existed" };
    for (const f of this.floors) if (f.atMs < atMs && f.index > best.index) best = f;
    return best;
  }

  /** The highest state the run can have been in at `atMs`. */
  highest(atMs: number): Fact {
    let best: Fact = { atMs: Infinity, index: this.end, why: `its last state is ${describeState(this.states[this.end]!)}` };
    for (const f of this.ceilings) if (f.atMs > atMs && f.index < best.index) best = f;
    return best;
  }

  /** The states [from, to] (from clamped to the first existing one), and whether the range begins before creation. */
  between(from: number, to: number): { states: RunState[]; mayNotExist: boolean } {
    return { states: this.states.slice(Math.max(from, 0), Math.max(to, from, NOT_CREATED) + 1), mayNotExist: from < 0 };
  }

  /** The indices of the states equal to what a page listed. */
  indicesOf(listed: RunState): number[] {
    return this.states.flatMap((s, i) => (sameState(s, listed) ? [i] : []));
  }
}

export function visibilityAgrees(record: SimRecord): Violation[] {
  const tracked = trackedAttributes(record.finalRuns);
  const timelines = buildTimelines(record.finalRuns, tracked);
  addFacts(record, timelines, tracked);
  const violations: Violation[] = [];
  record.visibility.forEach((call, i) => violations.push(...checkCall(call, i, timelines, tracked)));
  return violations;
}

/** Every attribute name some history upserts. */
function trackedAttributes(runs: readonly FinalRun[]): Set<string> {
  const names = new Set<string>();
  for (const run of runs) for (const e of run.history) if (e.type === "SearchAttributesUpserted") for (const name of Object.keys(e.data.attributes)) names.add(name);
  return names;
}

function buildTimelines(runs: readonly FinalRun[], tracked: ReadonlySet<string>): Map<string, Timeline> {
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const timelines = new Map<string, Timeline>();
  const visiting = new Set<string>();
  const timelineOf = (run: FinalRun): Timeline => {
    const done = timelines.get(run.runId);
    if (done) return done;
    // A continued run starts with its predecessor's last attributes (a cycle, which another check reports, starts with none).
    const from = continuedFromOf(run);
    const predecessor = from === undefined ? undefined : byId.get(from);
    visiting.add(run.runId);
    const initial = predecessor && !visiting.has(predecessor.runId) ? timelineOf(predecessor).states.at(-1)!.attributes : {};
    visiting.delete(run.runId);
    const timeline = new Timeline(run, statesOf(run, initial, tracked));
    timelines.set(run.runId, timeline);
    return timeline;
  };
  for (const run of runs) timelineOf(run);
  return timelines;
}

function statesOf(run: FinalRun, initial: Attributes, tracked: ReadonlySet<string>): RunState[] {
  const states: RunState[] = [{ status: "running", attributes: initial }];
  for (const e of run.history) {
    const current = states.at(-1)!;
    let next: RunState | undefined;
    if (e.type === "SearchAttributesUpserted") next = { status: current.status, attributes: { ...current.attributes, ...pick(e.data.attributes, tracked) } };
    else if (CLOSED_BY[e.type] !== undefined && current.status === "running") next = { status: CLOSED_BY[e.type]!, attributes: current.attributes };
    if (next && !sameState(next, current)) states.push(next);
  }
  // Closed without a closing event (other checks report it): its final status is still a state it had.
  if (run.status !== "running" && states.at(-1)!.status === "running") states.push({ status: run.status, attributes: states.at(-1)!.attributes });
  if (run.retained) states.push({ ...states.at(-1)!, removed: true });
  return states;
}

function addFacts(record: SimRecord, timelines: ReadonlyMap<string, Timeline>, tracked: ReadonlySet<string>): void {
  const floor = (runId: string, fact: (t: Timeline) => Fact | undefined) => {
    const t = timelines.get(runId);
    const f = t && fact(t);
    if (t && f) t.floors.push(f);
  };
  for (const s of record.starts) {
    if (s.outcome === "ok" && s.runId !== undefined && s.answeredAtMs !== undefined) floor(s.runId, () => ({ atMs: s.answeredAtMs!, index: 0, why: `its start was acknowledged at ${s.answeredAtMs} ms` }));
  }
  const reported = new Set<string>();
  for (const o of record.observations) {
    // Only the first report of a run tells anything more than the ones before it.
    if (reported.has(o.observation.runId)) continue;
    reported.add(o.observation.runId);
    floor(o.observation.runId, () => ({ atMs: o.atMs, index: 0, why: `reported: ${describeObservation(o)}` }));
  }
  for (const t of record.terminations) {
    if (t.outcome !== "ok" || t.runId === undefined || t.answeredAtMs === undefined) continue;
    floor(t.runId, (tl) => (tl.states[tl.last]!.status === "terminated" ? { atMs: t.answeredAtMs!, index: tl.last, why: `its termination was acknowledged at ${t.answeredAtMs} ms` } : undefined));
  }
  record.visibility.forEach((call, i) => {
    for (const row of call.pages.flat()) {
      const t = timelines.get(row.runId);
      const indices = t?.indicesOf(stateOf(row, tracked)) ?? [];
      if (!t || indices.length === 0) continue;
      const seen = `list #${i + 1} listed it ${describeState(stateOf(row, tracked))}`;
      t.floors.push({ atMs: call.answeredAtMs, index: Math.min(...indices), why: `${seen} (answered at ${call.answeredAtMs} ms)` });
      t.ceilings.push({ atMs: call.invokedAtMs, index: Math.max(...indices), why: `${seen} (asked at ${call.invokedAtMs} ms)` });
    }
  });
  // A run retention removed was there until the call was made, and gone once it answered.
  for (const t of timelines.values()) {
    const call = t.run.retained === undefined ? undefined : record.retention[t.run.retained.call];
    if (!call) continue;
    const n = t.run.retained!.call + 1;
    t.ceilings.push({ atMs: call.atMs, index: t.last, why: `retention call #${n}, which removed it, was made at ${call.atMs} ms` });
    t.floors.push({ atMs: call.endMs, index: t.end, why: `retention call #${n}, which removed it, answered at ${call.endMs} ms` });
  }
  // A continue-as-new closes a run and creates its successor in one transaction.
  for (const successor of timelines.values()) {
    const from = continuedFromOf(successor.run);
    const predecessor = from === undefined ? undefined : timelines.get(from);
    if (!predecessor) continue;
    for (const f of [...successor.floors]) if (f.index >= 0) predecessor.floors.push({ atMs: f.atMs, index: predecessor.last, why: `its successor ${successor.run.runId} existed: ${f.why}` });
    for (const c of [...predecessor.ceilings]) if (c.index < predecessor.last) successor.ceilings.push({ atMs: c.atMs, index: NOT_CREATED, why: `its predecessor ${predecessor.run.runId} was still open: ${c.why}` });
  }
  // A run the driver started was created after it first asked to start its workflow.
  const firstAsked = new Map<string, number>();
  for (const s of record.starts) firstAsked.set(s.workflowId, Math.min(s.atMs, firstAsked.get(s.workflowId) ?? Infinity));
  for (const t of timelines.values()) {
    const started = t.run.history[0];
    const asked = firstAsked.get(t.run.workflowId);
    if (asked === undefined || started?.type !== "WorkflowStarted" || started.data.continuedFromRunId !== undefined || started.data.parent !== undefined || t.run.schedule) continue;
    t.ceilings.push({ atMs: asked, index: NOT_CREATED, why: `the driver first asked to start ${t.run.workflowId} at ${asked} ms` });
  }
}

function checkCall(call: VisibilityRecord, i: number, timelines: ReadonlyMap<string, Timeline>, tracked: ReadonlySet<string>): Violation[] {
  const label = `list #${i + 1} of ${describeFilter(call.filter)} (page size ${call.pageSize}, asked at ${call.invokedAtMs} ms, answered at ${call.answeredAtMs} ms)`;
  const violations: Violation[] = [];
  const flag = (workflowId: string, runId: string, detail: string, evidence?: string[]) =>
    violations.push({ check: "visibility-agrees", workflowId, runId, detail: `${label} ${detail}`, ...(evidence ? { evidence } : {}) });
  const listedOn = new Map<string, number>();
  let previous: string | undefined;
  call.pages.forEach((page, p) => {
    if (page.length > call.pageSize) flag(page[0]!.workflowId, page[0]!.runId, `returned ${page.length} runs on page ${p + 1}, more than its page size`);
    for (const row of page) {
      const earlier = listedOn.get(row.runId);
      if (earlier !== undefined) flag(row.workflowId, row.runId, `listed run ${row.runId} on page ${earlier + 1} and again on page ${p + 1}`);
      else if (previous !== undefined && row.runId > previous) flag(row.workflowId, row.runId, `listed run ${row.runId} after ${previous}: not newest first`);
      if (earlier === undefined) listedOn.set(row.runId, p);
      previous = row.runId;
      const wrong = judgeListed(row, call, timelines, tracked);
      if (wrong) flag(row.workflowId, row.runId, wrong.detail, wrong.evidence);
    }
  });
  // Lower bounds need every page, and a filter the record can judge.
  if (!judgeable(call.filter, tracked)) return violations;
  if (call.outcome === "ok") {
    for (const t of timelines.values()) {
      if (listedOn.has(t.run.runId)) continue;
      const low = t.lowest(call.invokedAtMs);
      const high = t.highest(call.answeredAtMs);
      const { states, mayNotExist } = t.between(low.index, high.index);
      if (mayNotExist || !states.every((s) => matches(call.filter, t.run, s))) continue;
      flag(t.run.workflowId, t.run.runId, `does not list run ${t.run.runId}, which matched in every state it can have had during the call (${states.map(describeState).join(", then ")})`, [low.why, high.why]);
    }
  }
  const count = call.count;
  if (count?.outcome === "ok" && count.value !== undefined) {
    const window = classify(call.filter, timelines, count.invokedAtMs, count.answeredAtMs);
    const countLabel = `count (asked at ${count.invokedAtMs} ms, answered at ${count.answeredAtMs} ms) said ${count.value}`;
    if (count.value < window.certain || count.value > window.certain + window.changing) {
      flag("(count)", "", `then ${countLabel}: ${window.certain} runs matched throughout its window and ${window.changing} more may have`);
    } else if (call.outcome === "ok") {
      const walkAndCount = classify(call.filter, timelines, call.invokedAtMs, count.answeredAtMs);
      if (walkAndCount.changing === 0 && count.value !== listedOn.size) flag("(count)", "", `listed ${listedOn.size} runs, then ${countLabel}, and no run could change how it matched in between`);
    }
  }
  return violations;
}

/** What is wrong with a listed run, if anything. */
function judgeListed(row: ListedRun, call: VisibilityRecord, timelines: ReadonlyMap<string, Timeline>, tracked: ReadonlySet<string>): { detail: string; evidence?: string[] } | undefined {
  const t = timelines.get(row.runId);
  const listed = stateOf(row, tracked);
  const as = `run ${row.runId} ${describeState(listed)}`;
  if (!t) return { detail: `listed ${as}, a run the database does not have at the end` };
  if (row.workflowId !== t.run.workflowId || row.workflowType !== t.run.workflowType) {
    return { detail: `listed run ${row.runId} as ${row.workflowId} (${row.workflowType}), but it is ${t.run.workflowId} (${t.run.workflowType})` };
  }
  if (!matchesListed(call.filter, row)) return { detail: `listed ${as}, which does not match the filter` };
  const history = `its history went ${t.states.map(describeState).join(", then ")}`;
  const indices = t.indicesOf(listed);
  if (indices.length === 0) return { detail: `listed ${as}, a state it never had: ${history}` };
  const low = t.lowest(call.invokedAtMs);
  const high = t.highest(call.answeredAtMs);
  // Bounds that cross come from other answers that contradict each other (they are flagged there): judge within either.
  const [from, to] = low.index <= high.index ? [low.index, high.index] : [high.index, low.index];
  if (indices.some((k) => k >= from && k <= to)) return undefined;
  const { states } = t.between(from, to);
  const during = states.length === 0 ? "did not exist yet" : `was ${states.map(describeState).join(" or ")}`;
  const never = states.some((s) => matches(call.filter, t.run, s)) ? "" : ", never matching the filter";
  return { detail: `listed ${as}, but during the call it ${during}${never} (${history})`, evidence: [low.why, high.why] };
}

/** Over [fromMs, toMs]: how many runs matched throughout (certain), and how many more may have matched at some point (changing). */
function classify(filter: VisibilityFilter, timelines: ReadonlyMap<string, Timeline>, fromMs: number, toMs: number): { certain: number; changing: number } {
  let certain = 0;
  let changing = 0;
  for (const t of timelines.values()) {
    const { states, mayNotExist } = t.between(t.lowest(fromMs).index, t.highest(toMs).index);
    const matching = states.filter((s) => matches(filter, t.run, s)).length;
    if (matching === 0) continue;
    if (!mayNotExist && matching === states.length) certain += 1;
    else changing += 1;
  }
  return { certain, changing };
}

/** Whether the record knows every attribute the filter names (the tracked ones), so a run's match is known in each state. */
function judgeable(filter: VisibilityFilter, tracked: ReadonlySet<string>): boolean {
  return Object.keys(filter.searchAttributes ?? {}).every((name) => tracked.has(name));
}

/** Whether a run in state `state` matches the filter. */
function matches(filter: VisibilityFilter, run: FinalRun, state: RunState): boolean {
  return !state.removed && matchesFixed(filter, run.runId, run.workflowType) && matchesVarying(filter, state.status, state.attributes);
}

/** Whether a listed row matches the filter, as listed. */
function matchesListed(filter: VisibilityFilter, row: ListedRun): boolean {
  return matchesFixed(filter, row.runId, row.workflowType) && matchesVarying(filter, row.status, row.searchAttributes ?? {});
}

function matchesFixed(filter: VisibilityFilter, runId: string, workflowType: string): boolean {
  if (filter.workflowType !== undefined && workflowType !== filter.workflowType) return false;
  const createdMs = createdMsOf(runId);
  if (filter.startedAfterMs !== undefined && !(createdMs >= filter.startedAfterMs)) return false;
  return filter.startedBeforeMs === undefined || createdMs < filter.startedBeforeMs;
}

function matchesVarying(filter: VisibilityFilter, status: RunStatus, attributes: Attributes): boolean {
  if (filter.status !== undefined && status !== filter.status) return false;
  return Object.entries(filter.searchAttributes ?? {}).every(([name, value]) => attributes[name] === value);
}

/** A run's creation time: the 48-bit millisecond prefix of its UUIDv7 id (NaN for any other id). */
export function createdMsOf(runId: string): number {
  const hex = runId.replaceAll("-", "").slice(0, 12);
  return /^[0-9a-f]{12}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
}

function stateOf(row: ListedRun, tracked: ReadonlySet<string>): RunState {
  return { status: row.status, attributes: pick(row.searchAttributes ?? {}, tracked) };
}

function pick(attributes: Attributes, tracked: ReadonlySet<string>): Attributes {
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => tracked.has(name)));
}

function sameState(a: RunState, b: RunState): boolean {
  if (a.status !== b.status || a.removed !== b.removed) return false;
  const names = Object.keys(a.attributes);
  return names.length === Object.keys(b.attributes).length && names.every((n) => a.attributes[n] === b.attributes[n]);
}

function describeState(s: RunState): string {
  if (s.removed) return "removed by retention";
  const attributes = Object.entries(s.attributes)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => `${n}=${JSON.stringify(v)}`);
  return attributes.length === 0 ? s.status : `${s.status} (${attributes.join(", ")})`;
}

export function describeFilter(filter: VisibilityFilter): string {
  return JSON.stringify(filter);
}
