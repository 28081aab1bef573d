/**
 * Scenario files (scenarios/*.json): parsing and validation.
 *
 * The file format is a contract (extend it, don't break it: scenarios/README.md
 * documents it). A malformed file is bad input, not a bug, so it gets a
 * ScenarioError that names the field as a JSON path (`faults[2].mode`), the
 * value found and what was expected; the CLI exits with its exitCode, 2.
 *
 * Validation is strict and complete before anything runs. Unknown fields are
 * errors, because a typo such as `forMS` would otherwise silently drop a fault
 * parameter and the run would test less than its author thinks. Every number
 * is checked against a named bound below. The result is a fresh, typed
 * Scenario with defaults applied, sharing nothing with the input value, so
 * writing it back out (JSON.stringify) gives a file that parses to the same.
 *
 * Pure: no clock, no randomness; loadScenarioFile is the only I/O.
 */
import { readFile, stat } from "node:fs/promises";
import { CONNECTIONS_MAX } from "../engine/limits.ts";
import {
  CRASH_POINTS,
  SERVICE_NAMES,
  WORKLOAD_SHAPES,
  type Fault,
  type FaultKind,
  type NetworkMode,
  type Scenario,
  type ServiceBehavior,
  type WindowMs,
  type WorkloadShape,
  type WorkloadSpec,
} from "./model.ts";

// ---------------------------------------------------------------------------
// Bounds and defaults. Every number in a scenario is checked against one of these.

const DAY_MS = 24 * 60 * 60 * 1000;

/** Virtual length of a run, liveness phase included. CI scenarios run 60-180 s; a day is far past any use. */
export const DURATION_MS_MIN = 1;
export const DURATION_MS_MAX = DAY_MS;
/** Simulated workers (worker-1 .. worker-N): all run in one process, so a few dozen is plenty. */
export const WORKERS_MIN = 1;
export const WORKERS_MAX = 32;
export const WORKFLOWS_MIN = 1;
export const WORKFLOWS_MAX = 100_000;
/** Start rate in workflows per virtual second: more than 0 (exclusive), at most this. */
export const STARTS_PER_SECOND_MAX = 10_000;
/** Relative weight of one workload shape in `mix`: 0 (never) up to this. */
export const MIX_WEIGHT_MAX = 1_000_000;
/** Faults listed in one file, and extra faults swarm testing may draw. */
export const FAULTS_MAX = 1_000;
export const SWARM_FAULTS_MAX = 1_000;
/** Fault lengths: forMs (blip), downForMs (database), restartAfterMs (crashed worker). */
export const FAULT_LENGTH_MS_MIN = 0;
export const FAULT_LENGTH_MS_MAX = DAY_MS;
/** Latency a `delay` blip adds to each message over the link (the statement, then its reply). */
export const LATENCY_MS_MIN = 1;
export const LATENCY_MS_MAX = 5 * 60 * 1000;
/** A crash fires the nth time a worker reaches its point (1-based). */
export const NTH_MIN = 1;
export const NTH_MAX = 1_000_000;
/** Clock skew: offsetMs within ±this. */
export const CLOCK_OFFSET_MS_MAX = DAY_MS;
/** Connections a pool-exhausted worker still has: 0 (none) up to the engine's pool maximum. */
export const POOL_AVAILABLE_MIN = 0;
export const POOL_AVAILABLE_MAX = CONNECTIONS_MAX;
export const PROBABILITY_MIN = 0;
export const PROBABILITY_MAX = 1;
/** liveness.withinMs: the liveness phase needs at least a millisecond. */
export const WITHIN_MS_MIN = 1;
export const SEED_MIN = 0;
export const SEED_MAX = Number.MAX_SAFE_INTEGER;
export const NAME_LENGTH_MAX = 100;
export const DESCRIPTION_LENGTH_MAX = 2_000;
/** A file larger than this is not a hand-written scenario (1,000 faults take about 150 KB). */
export const SCENARIO_FILE_BYTES_MAX = 1024 * 1024;

export const SEED_DEFAULT = 1;
export const NTH_DEFAULT = 1;

const NAME_PATTERN = /^[a-z0-9-]+$/;

// ---------------------------------------------------------------------------
// The names a scenario may use. Records keyed by the model's union types make
// tsc fail here when model.ts adds a member, so the parser cannot fall behind.

/** The fields of each fault kind besides `kind`, in the order the docs list them. */
const FAULT_FIELDS: Record<FaultKind, readonly string[]> = {
  "network.blip": ["worker", "atMs", "forMs", "mode", "latencyMs"],
  "worker.crash": ["worker", "point", "nth", "atMs", "restartAfterMs"],
  "db.restart": ["atMs", "downForMs"],
  "db.ambiguousCommit": ["probability", "windowMs"],
  "db.poolExhaustion": ["worker", "windowMs", "available"],
  "service.outage": ["service", "windowMs", "behavior"],
  "clock.skew": ["worker", "atMs", "offsetMs"],
};
export const FAULT_KINDS = Object.keys(FAULT_FIELDS) as FaultKind[];

const NETWORK_MODE_SET: Record<NetworkMode, true> = { delay: true, drop: true, reset: true };
export const NETWORK_MODES = Object.keys(NETWORK_MODE_SET) as NetworkMode[];

const SERVICE_BEHAVIOR_SET: Record<ServiceBehavior, true> = { refuse: true, timeout: true, fail: true, succeedThenTimeout: true };
export const SERVICE_BEHAVIORS = Object.keys(SERVICE_BEHAVIOR_SET) as ServiceBehavior[];

const SCENARIO_FIELDS = ["name", "description", "seed", "durationMs", "workers", "workload", "faults", "swarm", "deploy", "liveness"];
const DEPLOY_FIELDS = ["atMs", "restartAfterMs"];
const WORKLOAD_FIELDS = ["workflows", "startsPerSecond", "mix"];
const LIVENESS_FIELDS = ["healAtMs", "withinMs"];
const SWARM_FIELDS = ["faults", "kinds"];
/** Every field any fault may have: checked when `kind` is missing, so `kidn` still gets "did you mean kind?". */
const ANY_FAULT_FIELDS = ["kind", ...new Set(Object.values(FAULT_FIELDS).flat())];

/** Workers are named worker-1 .. worker-N. */
export function workerNames(workers: number): string[] {
  return Array.from({ length: workers }, (_, i) => `worker-${i + 1}`);
}

// ---------------------------------------------------------------------------
// The error.

export class ScenarioError extends Error {
  override name = "ScenarioError";
  /** Bad input: what `ratchet sim` exits with. */
  readonly exitCode = 2;

  /**
   * @param source the file (or other origin) the scenario came from, first in the message
   * @param field a JSON path such as `faults[2].mode`; `$` for the whole document
   */
  constructor(
    readonly source: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
  }
}

// ---------------------------------------------------------------------------
// Entry points.

/** Validate an already-parsed JSON value as a scenario; returns a fresh Scenario with defaults applied. */
export function parseScenario(value: unknown, source: string): Scenario {
  const root: At = { source, field: "" };
  const obj = object(value, root, "a scenario object");
  checkFields(obj, root, SCENARIO_FIELDS, "a scenario");

  const name = scenarioName(obj, root);
  const description = optional(obj, root, "description", "", (v, at) => text(v, at, DESCRIPTION_LENGTH_MAX));
  const seed = optional(obj, root, "seed", SEED_DEFAULT, (v, at) => whole(v, at, SEED_MIN, SEED_MAX));
  const durationMs = whole(own(obj, "durationMs"), child(root, "durationMs"), DURATION_MS_MIN, DURATION_MS_MAX);
  const workers = whole(own(obj, "workers"), child(root, "workers"), WORKERS_MIN, WORKERS_MAX);
  const workload = parseWorkload(own(obj, "workload"), child(root, "workload"));
  // Liveness before faults: a fault's times are checked against healAtMs.
  const liveness = parseLiveness(own(obj, "liveness"), child(root, "liveness"), durationMs);
  const scope: FaultScope = { durationMs, healAtMs: liveness.healAtMs, workers: workerNames(workers) };
  const faults = optional(obj, root, "faults", [], (v, at) => parseFaults(v, at, scope));
  const swarm = optional(obj, root, "swarm", undefined, parseSwarm);
  const deploy = optional(obj, root, "deploy", undefined, (v, at) => parseDeploy(v, at, liveness.healAtMs));
  checkSkewFitsLiveness(faults, liveness.withinMs, root);

  return { name, description, seed, durationMs, workers, workload, faults, ...(swarm === undefined ? {} : { swarm }), ...(deploy === undefined ? {} : { deploy }), liveness };
}

/**
 * A worker whose clock runs ahead writes every time it records (timers due,
 * leases, retry backoffs) that far in the future, and those stay written
 * after the skew heals: work it touched can be late by up to its offset. So
 * the liveness bound must be longer than the largest forward skew, or a
 * correct engine fails the check.
 */
function checkSkewFitsLiveness(faults: Fault[], withinMs: number, root: At): void {
  faults.forEach((fault, i) => {
    if (fault.kind === "clock.skew" && fault.offsetMs >= withinMs) {
      throw new ScenarioError(
        root.source,
        `faults[${i}].offsetMs`,
        `invalid faults[${i}].offsetMs: a clock ${fault.offsetMs} ms ahead delays the timers, leases and retries it writes by as much, even after heal, so it must be less than liveness.withinMs (${withinMs}); lengthen withinMs or shrink the skew`,
      );
    }
  });
}

/** Parse JSON text as a scenario. Invalid JSON is a ScenarioError on field `$` carrying the parser's message. */
export function parseScenarioText(text: string, source: string): Scenario {
  if (text.length > SCENARIO_FILE_BYTES_MAX) {
    throw new ScenarioError(source, "$", `a scenario file holds at most ${SCENARIO_FILE_BYTES_MAX} bytes; this one has ${text.length} characters`);
  }
  // An editor's byte-order mark is not an error worth stopping for.
  const json = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new ScenarioError(source, "$", `invalid JSON: ${(err as Error).message}${lineAndColumn(json, (err as Error).message)}`);
  }
  return parseScenario(value, source);
}

/** Read and parse a scenario file; a missing or unreadable file is a ScenarioError naming the path. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new ScenarioError(path, "$", "is a directory, not a scenario file");
    if (info.size > SCENARIO_FILE_BYTES_MAX) {
      throw new ScenarioError(path, "$", `a scenario file holds at most ${SCENARIO_FILE_BYTES_MAX} bytes; this one has ${info.size}`);
    }
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const detail = code === "ENOENT" ? "scenario file not found" : `cannot read the scenario file: ${(err as Error).message}`;
    throw new ScenarioError(path, "$", detail);
  }
  return parseScenarioText(text, path);
}

// ---------------------------------------------------------------------------
// The parts of a scenario.

/** What a fault's fields are checked against: the run's length, when healing starts, who the workers are. */
interface FaultScope {
  durationMs: number;
  healAtMs: number;
  workers: string[];
}

function scenarioName(obj: JsonObject, root: At): string {
  const value = own(obj, "name");
  const at = child(root, "name");
  if (typeof value !== "string" || value.length === 0 || value.length > NAME_LENGTH_MAX || !NAME_PATTERN.test(value)) {
    expected(at, value, `1-${NAME_LENGTH_MAX} characters from a-z 0-9 -`);
  }
  return value;
}

function parseWorkload(value: unknown, at: At): WorkloadSpec {
  const obj = object(value, at, "an object with workflows, startsPerSecond and mix");
  checkFields(obj, at, WORKLOAD_FIELDS, "workload");
  return {
    workflows: whole(own(obj, "workflows"), child(at, "workflows"), WORKFLOWS_MIN, WORKFLOWS_MAX),
    startsPerSecond: real(own(obj, "startsPerSecond"), child(at, "startsPerSecond"), 0, STARTS_PER_SECOND_MAX, { minExclusive: true }),
    // Absent: every shape equally likely.
    mix: optional(obj, at, "mix", Object.fromEntries(WORKLOAD_SHAPES.map((shape) => [shape, 1])), parseMix),
  };
}

function parseMix(value: unknown, at: At): Partial<Record<WorkloadShape, number>> {
  const obj = object(value, at, `an object of weights by shape (${WORKLOAD_SHAPES.join(", ")})`);
  checkFields(obj, at, WORKLOAD_SHAPES, "workload.mix (weights by workflow shape)");
  const mix: Partial<Record<WorkloadShape, number>> = {};
  for (const shape of WORKLOAD_SHAPES) {
    if (Object.hasOwn(obj, shape)) mix[shape] = real(obj[shape], child(at, shape), 0, MIX_WEIGHT_MAX);
  }
  if (!Object.values(mix).some((weight) => weight > 0)) {
    fail(at, `invalid ${at.field}: every weight is 0, so no workflow could be started; give at least one of ${WORKLOAD_SHAPES.join(", ")} a positive weight`);
  }
  return mix;
}

function parseLiveness(value: unknown, at: At, durationMs: number): Scenario["liveness"] {
  const obj = object(value, at, "an object with healAtMs and withinMs");
  checkFields(obj, at, LIVENESS_FIELDS, "liveness");
  // The liveness phase has to fit in the run: heal before the end, and the bound within what is left.
  const healAtMs = whole(own(obj, "healAtMs"), child(at, "healAtMs"), 0, durationMs - 1, `before durationMs ${durationMs}`);
  const withinMs = whole(own(obj, "withinMs"), child(at, "withinMs"), WITHIN_MS_MIN, durationMs - healAtMs, `healAtMs + withinMs must not pass durationMs ${durationMs}`);
  return { healAtMs, withinMs };
}

function parseSwarm(value: unknown, at: At): NonNullable<Scenario["swarm"]> {
  const obj = object(value, at, "an object with faults and, optionally, kinds");
  checkFields(obj, at, SWARM_FIELDS, "swarm");
  const faults = whole(own(obj, "faults"), child(at, "faults"), 0, SWARM_FAULTS_MAX);
  // Absent: swarm faults may be of any kind.
  const kinds = optional(obj, at, "kinds", [...FAULT_KINDS], parseKinds);
  return { faults, kinds };
}

function parseDeploy(value: unknown, at: At, healAtMs: number): NonNullable<Scenario["deploy"]> {
  const obj = object(value, at, "an object with atMs and restartAfterMs");
  checkFields(obj, at, DEPLOY_FIELDS, "deploy");
  // Before heal, as a fault: the liveness phase runs on the code it deployed, every worker up.
  const atMs = whole(own(obj, "atMs"), child(at, "atMs"), 0, healAtMs - 1, `before liveness.healAtMs ${healAtMs}`);
  const restartAfterMs = whole(own(obj, "restartAfterMs"), child(at, "restartAfterMs"), FAULT_LENGTH_MS_MIN, FAULT_LENGTH_MS_MAX);
  return { atMs, restartAfterMs };
}

function parseKinds(value: unknown, at: At): FaultKind[] {
  if (!Array.isArray(value) || value.length === 0) expected(at, value, `a non-empty list of fault kinds (${FAULT_KINDS.join(", ")})`);
  const kinds = value.map((kind, i) => oneOf(kind, child(at, i), FAULT_KINDS, "fault kind"));
  const repeated = kinds.findIndex((kind, i) => kinds.indexOf(kind) !== i);
  if (repeated >= 0) fail(child(at, repeated), `invalid ${at.field}[${repeated}]: fault kind "${kinds[repeated]}" is listed twice`);
  return kinds;
}

function parseFaults(value: unknown, at: At, scope: FaultScope): Fault[] {
  if (!Array.isArray(value)) expected(at, value, "a list of faults");
  if (value.length > FAULTS_MAX) fail(at, `invalid ${at.field}: at most ${FAULTS_MAX} faults, got ${value.length}`);
  return value.map((fault, i) => parseFault(fault, child(at, i), scope));
}

function parseFault(value: unknown, at: At, scope: FaultScope): Fault {
  const obj = object(value, at, `a fault object with a kind (${FAULT_KINDS.join(", ")})`);
  if (!Object.hasOwn(obj, "kind")) checkFields(obj, at, ANY_FAULT_FIELDS, "a fault");
  const kind = oneOf(own(obj, "kind"), child(at, "kind"), FAULT_KINDS, "fault kind");
  checkFields(obj, at, ["kind", ...FAULT_FIELDS[kind]], `a ${kind} fault`);

  const field = (key: string) => ({ value: own(obj, key), at: child(at, key) });
  const worker = () => workerName(field("worker"), scope);
  const startMs = (key: string) => faultStart(field(key), scope);
  const length = (key: string) => whole(field(key).value, field(key).at, FAULT_LENGTH_MS_MIN, FAULT_LENGTH_MS_MAX);
  const window = () => faultWindow(field("windowMs"), scope);

  switch (kind) {
    case "network.blip": {
      const blip = { kind, worker: worker(), atMs: startMs("atMs"), forMs: length("forMs"), mode: oneOf(field("mode").value, field("mode").at, NETWORK_MODES, "network mode") };
      const latency = field("latencyMs");
      if (blip.mode === "delay") return { ...blip, latencyMs: whole(latency.value, latency.at, LATENCY_MS_MIN, LATENCY_MS_MAX, `required when mode is "delay"`) };
      if (latency.value !== undefined) {
        fail(latency.at, `invalid ${latency.at.field}: latencyMs is only for mode "delay", and this blip's mode is "${blip.mode}"; remove latencyMs or set mode to "delay"`);
      }
      return blip;
    }
    case "worker.crash": {
      const crash = { kind, worker: worker(), point: oneOf(field("point").value, field("point").at, CRASH_POINTS, "crash point") };
      const nth = optional(obj, at, "nth", NTH_DEFAULT, (v, a) => whole(v, a, NTH_MIN, NTH_MAX));
      const atMs = optional(obj, at, "atMs", undefined, () => startMs("atMs"));
      return { ...crash, nth, ...(atMs === undefined ? {} : { atMs }), restartAfterMs: length("restartAfterMs") };
    }
    case "db.restart":
      return { kind, atMs: startMs("atMs"), downForMs: length("downForMs") };
    case "db.ambiguousCommit":
      return { kind, probability: real(field("probability").value, field("probability").at, PROBABILITY_MIN, PROBABILITY_MAX), windowMs: window() };
    case "db.poolExhaustion":
      return { kind, worker: worker(), windowMs: window(), available: whole(field("available").value, field("available").at, POOL_AVAILABLE_MIN, POOL_AVAILABLE_MAX) };
    case "service.outage":
      return {
        kind,
        service: oneOf(field("service").value, field("service").at, SERVICE_NAMES, "service"),
        windowMs: window(),
        behavior: oneOf(field("behavior").value, field("behavior").at, SERVICE_BEHAVIORS, "service behavior"),
      };
    case "clock.skew":
      return { kind, worker: worker(), atMs: startMs("atMs"), offsetMs: whole(field("offsetMs").value, field("offsetMs").at, -CLOCK_OFFSET_MS_MAX, CLOCK_OFFSET_MS_MAX) };
    default:
      return assertNever(kind);
  }
}

interface Field {
  value: unknown;
  at: At;
}

function workerName({ value, at }: Field, scope: FaultScope): string {
  if (typeof value !== "string") expected(at, value, `a worker name, worker-1 to worker-${scope.workers.length}`);
  if (!scope.workers.includes(value)) {
    fail(at, `invalid ${at.field}: unknown worker ${show(value)}; this scenario has ${scope.workers.length} worker(s), worker-1 to worker-${scope.workers.length} (see workers)`);
  }
  return value;
}

/** When a fault starts: inside the run, and before healing (at heal every fault stops). */
function faultStart({ value, at }: Field, scope: FaultScope): number {
  const atMs = whole(value, at, 0, scope.durationMs, `within durationMs ${scope.durationMs}`);
  if (atMs >= scope.healAtMs) failAfterHeal(at, atMs, scope.healAtMs);
  return atMs;
}

/** A closed window [fromMs, toMs] inside the run, opening before healing. */
function faultWindow({ value, at }: Field, scope: FaultScope): WindowMs {
  const shape = `[fromMs, toMs] with 0 <= fromMs <= toMs <= durationMs (${scope.durationMs})`;
  if (!Array.isArray(value) || value.length !== 2) expected(at, value, shape);
  const [fromMs, toMs] = value.map((ms, i) => whole(ms, child(at, i), 0, scope.durationMs, `within durationMs ${scope.durationMs}`)) as WindowMs;
  if (fromMs > toMs) fail(at, `invalid ${at.field}: the window ends before it starts; expected ${shape}, got ${show(value)}`);
  if (fromMs >= scope.healAtMs) failAfterHeal(at, fromMs, scope.healAtMs);
  return [fromMs, toMs];
}

function failAfterHeal(at: At, startMs: number, healAtMs: number): never {
  fail(
    at,
    `invalid ${at.field}: this fault starts at ${startMs} ms, at or after liveness.healAtMs (${healAtMs}); every fault stops at heal, so it would be healed the moment it began. Start it before ${healAtMs} or heal later`,
  );
}

// ---------------------------------------------------------------------------
// Reading JSON values, with errors that name the field, the value and what was expected.

type JsonObject = Record<string, unknown>;

/** Where a value sits: the source it came from, and its JSON path ("" is the whole document). */
interface At {
  readonly source: string;
  readonly field: string;
}

function child(parent: At, key: string | number): At {
  const field = typeof key === "number" ? `${parent.field}[${key}]` : parent.field === "" ? key : `${parent.field}.${key}`;
  return { source: parent.source, field };
}

function fail(at: At, detail: string): never {
  throw new ScenarioError(at.source, at.field === "" ? "$" : at.field, detail);
}

function expected(at: At, value: unknown, expectation: string): never {
  const field = at.field === "" ? "scenario" : at.field;
  if (value === undefined) fail(at, `missing field ${field}: expected ${expectation}`);
  fail(at, `invalid ${field}: expected ${expectation}, got ${show(value)}`);
}

/** Own properties only: a JSON key such as "constructor" must not find Object.prototype's. */
function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function optional<T, D>(obj: JsonObject, at: At, key: string, fallback: D, read: (value: unknown, at: At) => T): T | D {
  return Object.hasOwn(obj, key) ? read(obj[key], child(at, key)) : fallback;
}

function object(value: unknown, at: At, expectation: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) expected(at, value, expectation);
  return value as JsonObject;
}

function checkFields(obj: JsonObject, at: At, known: readonly string[], whose: string): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const unknown = child(at, key);
    const guess = closestName(key, known);
    fail(unknown, guess === undefined ? `unknown field ${unknown.field}; ${whose} has: ${known.join(", ")}` : `unknown field ${unknown.field}; did you mean ${guess}?`);
  }
}

function whole(value: unknown, at: At, min: number, max: number, note?: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    expected(at, value, `a whole number from ${min} to ${max}${note === undefined ? "" : ` (${note})`}`);
  }
  return value;
}

function real(value: unknown, at: At, min: number, max: number, options: { minExclusive?: boolean } = {}): number {
  const tooLow = (v: number) => (options.minExclusive ? v <= min : v < min);
  if (typeof value !== "number" || !Number.isFinite(value) || tooLow(value) || value > max) {
    expected(at, value, `a number ${options.minExclusive ? "above" : "from"} ${min} ${options.minExclusive ? "and at most" : "to"} ${max}`);
  }
  return value;
}

function text(value: unknown, at: At, lengthMax: number): string {
  if (typeof value !== "string" || value.length > lengthMax) expected(at, value, `a string of at most ${lengthMax} characters`);
  return value;
}

function oneOf<T extends string>(value: unknown, at: At, options: readonly T[], what: string): T {
  if (typeof value === "string" && (options as readonly string[]).includes(value)) return value as T;
  if (typeof value !== "string") expected(at, value, `a ${what}: one of ${options.join(", ")}`);
  const guess = closestName(value, options);
  fail(at, `invalid ${at.field}: unknown ${what} ${show(value)}${guess === undefined ? "" : ` (did you mean ${guess}?)`}; known: ${options.join(", ")}`);
}

/** A value as it appeared in the file, briefly. */
function show(value: unknown): string {
  if (typeof value === "number") return String(value); // JSON.stringify would print NaN and Infinity as null
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= 60 ? json : `${json.slice(0, 57)}...`;
}

/** "(line 3, column 5)" for parser messages that give a character position. */
function lineAndColumn(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message);
  if (position === null) return "";
  const before = text.slice(0, Number(position[1]));
  const lines = before.split("\n");
  return ` (line ${lines.length}, column ${lines[lines.length - 1]!.length + 1})`;
}

/**
 * The known name closest to a misspelt one, if it is close enough to be what
 * was meant: case is ignored (forMS -> forMs), and at most a third of the
 * name's characters may differ (at least one).
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const allowed = Math.max(1, Math.floor(candidate.length / 3));
    if (Math.abs(candidate.length - name.length) > allowed) continue;
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of
 * two neighbours as one edit each (optimal string alignment), so the common
 * typo "dorp" is one edit from "drop".
 */
function editDistance(a: string, b: string): number {
  // rows[i][j]: distance between a's first i and b's first j characters.
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

function assertNever(value: never): never {
  throw new Error(`unreachable: ${String(value)}`);
}
