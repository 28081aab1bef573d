/**
 * Checking that a results file has the BenchReport shape before rendering
 * it. A malformed file is bad input, not a bug: it gets a ReportInputError
 * naming the field as a JSON path (`results[3].perSecond`), what was expected
 * and what was found, and `ratchet report` exits 2.
 *
 * Every field the renderer reads is checked. Fields it does not know are
 * allowed, so a harness that records something new can still be rendered by
 * this version; likewise system and workload names are any non-empty string
 * (an unknown system gets a fallback colour, an unknown workload its own
 * table), so adding a peer does not need the renderer changed first.
 */
import type { BenchReport } from "../bench/model.ts";

export class ReportInputError extends Error {
  override name = "ReportInputError";
  /** Bad input: what `ratchet report` exits with. */
  readonly exitCode = 2;

  /**
   * @param source the file the results came from, first in the message
   * @param field a JSON path such as `results[3].perSecond`; `$` for the whole document
   */
  constructor(
    readonly source: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
  }
}

type Json = Record<string, unknown>;

/** Where a value sits: the file and the JSON path to it. */
interface At {
  source: string;
  field: string;
}

function child(at: At, key: string | number): At {
  const field = typeof key === "number" ? `${at.field}[${key}]` : at.field === "$" ? key : `${at.field}.${key}`;
  return { source: at.source, field };
}

/** A value as a short, printable snippet for an error message. */
function show(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function expected(at: At, value: unknown, expectation: string): never {
  if (value === undefined) throw new ReportInputError(at.source, at.field, `missing field ${at.field}: expected ${expectation}`);
  throw new ReportInputError(at.source, at.field, `invalid ${at.field}: expected ${expectation}, got ${show(value)}`);
}

function object(value: unknown, at: At, expectation = "an object"): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) expected(at, value, expectation);
  return value as Json;
}

function string(parent: Json, key: string, at: At, options: { nonEmpty?: boolean } = {}): void {
  const value = parent[key];
  if (typeof value !== "string" || (options.nonEmpty && value === "")) expected(child(at, key), value, options.nonEmpty ? "a non-empty string" : "a string");
}

function number(parent: Json, key: string, at: At, options: { nullable?: boolean } = {}): void {
  const value = parent[key];
  if (options.nullable && value === null) return;
  if (typeof value !== "number" || !Number.isFinite(value)) expected(child(at, key), value, options.nullable ? "a number or null" : "a number");
}

function boolean(parent: Json, key: string, at: At, options: { nullable?: boolean } = {}): void {
  const value = parent[key];
  if (options.nullable && value === null) return;
  if (typeof value !== "boolean") expected(child(at, key), value, options.nullable ? "true, false or null" : "true or false");
}

function list(parent: Json, key: string, at: At, each: (item: unknown, at: At) => void, options: { optional?: boolean } = {}): void {
  const value = parent[key];
  if (options.optional && value === undefined) return;
  const here = child(at, key);
  if (!Array.isArray(value)) expected(here, value, "a list");
  value.forEach((item, i) => each(item, child(here, i)));
}

/** An object whose every value passes `check` (versions, settings, config). */
function record(parent: Json, key: string, at: At, check: (value: unknown) => boolean, expectation: string): void {
  const here = child(at, key);
  const value = object(parent[key], here);
  for (const [name, entry] of Object.entries(value)) if (!check(entry)) expected(child(here, name), entry, expectation);
}

const isScalar = (v: unknown) => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));

function percentiles(parent: Json, key: string, at: At): void {
  if (parent[key] === null) return;
  const here = child(at, key);
  const p = object(parent[key], here, "latency percentiles {p50, p95, p99, samples} or null");
  for (const field of ["p50", "p95", "p99", "samples"]) number(p, field, here);
}

function cpuShare(parent: Json, at: At): void {
  if (parent.cpu === null) return;
  const here = child(at, "cpu");
  const cpu = object(parent.cpu, here, "a CPU share {nodeCpuSeconds, postgresCpuSeconds, nodeShare} or null");
  for (const field of ["nodeCpuSeconds", "postgresCpuSeconds", "nodeShare"]) number(cpu, field, here);
}

function churnSample(value: unknown, at: At): void {
  const sample = object(value, at);
  for (const field of ["atMs", "tableBytes", "indexBytes", "liveTuples", "deadTuples", "autovacuumCount", "perSecond"]) number(sample, field, at);
  if (sample.vacuumCount !== undefined) number(sample, "vacuumCount", at);
}

function statementProfile(value: unknown, at: At): void {
  const s = object(value, at);
  string(s, "statement", at, { nonEmpty: true });
  number(s, "callsPerUnit", at, { nullable: true });
  for (const field of ["calls", "meanMs", "rowsPerCall", "totalMs", "share"]) number(s, field, at);
}

function result(value: unknown, at: At): void {
  const r = object(value, at);
  string(r, "system", at, { nonEmpty: true });
  string(r, "workload", at, { nonEmpty: true });
  record(r, "config", at, isScalar, "a string, number or boolean");
  number(r, "perSecond", at);
  string(r, "unit", at, { nonEmpty: true });
  number(r, "count", at);
  number(r, "windowMs", at);
  percentiles(r, "scheduleToStartMs", at);
  percentiles(r, "endToEndMs", at);
  number(r, "commitsPerUnit", at, { nullable: true });
  number(r, "walBytesPerUnit", at, { nullable: true });
  cpuShare(r, at);
  list(r, "samples", at, churnSample, { optional: true });
  list(r, "statements", at, statementProfile, { optional: true });
  list(r, "notes", at, (note, here) => {
    if (typeof note !== "string") expected(here, note, "a string");
  });
}

function microResult(value: unknown, at: At): void {
  const m = object(value, at);
  string(m, "name", at, { nonEmpty: true });
  string(m, "database", at, { nonEmpty: true });
  for (const field of ["opsPerSecond", "meanMs", "p99Ms", "samples"]) number(m, field, at);
  number(m, "vsBaseline", at, { nullable: true });
}

function target(value: unknown, at: At): void {
  const t = object(value, at);
  string(t, "name", at, { nonEmpty: true });
  string(t, "statement", at, { nonEmpty: true });
  number(t, "ratio", at, { nullable: true });
  number(t, "required", at);
  boolean(t, "met", at, { nullable: true });
  string(t, "detail", at);
}

/** `value` as a BenchReport, or a ReportInputError naming the first field that is wrong. */
export function validateBenchReport(value: unknown, source: string): BenchReport {
  const root: At = { source, field: "$" };
  const report = object(value, root, "a benchmark report object (the output of `ratchet bench --json`)");
  const machineAt = child(root, "machine");
  const machine = object(report.machine, machineAt);
  number(machine, "cpus", machineAt);
  string(machine, "cpuModel", machineAt);
  number(machine, "memoryBytes", machineAt);
  string(machine, "platform", machineAt);
  string(machine, "databaseHost", machineAt);
  record(report, "versions", root, (v) => typeof v === "string", "a version string");
  record(report, "settings", root, isScalar, "a string, number or boolean");
  string(report, "command", root, { nonEmpty: true });
  string(report, "startedAt", root);
  list(report, "results", root, result);
  list(report, "micro", root, microResult);
  list(report, "targets", root, target);
  return report as unknown as BenchReport;
}

/** Parse the text of a results file and check its shape. */
export function parseBenchReport(text: string, source: string): BenchReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReportInputError(source, "$", `not valid JSON (${(err as Error).message})`);
  }
  return validateBenchReport(value, source);
}
