/**
 * Reading a RunRequest's config: every knob has a default and a bound, is
 * checked where it enters, and is written back into the Result's config so a
 * result says exactly what it ran with. Knobs a system does not understand
 * are kept in the config and named in a note (the harness may sweep a knob
 * across systems that cannot all apply it).
 */
import { randomBytes } from "node:crypto";
import { BenchError, type BenchErrorCode } from "./errors.ts";
import type { WorkloadName } from "../model.ts";

export type Config = Record<string, string | number | boolean>;

export class Settings {
  /** The resolved settings, in the order they were read: what the Result reports. */
  readonly resolved: Config = {};
  private readonly read = new Set<string>();

  constructor(private readonly given: Config) {}

  int(key: string, defaultValue: number, min: number, max: number): number {
    this.read.add(key);
    const value = this.given[key] ?? defaultValue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(`invalid setting ${key}=${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`, { key, value, min, max });
    }
    this.resolved[key] = value;
    return value;
  }

  bool(key: string, defaultValue: boolean): boolean {
    this.read.add(key);
    const value = this.given[key] ?? defaultValue;
    if (typeof value !== "boolean") throw invalid(`invalid setting ${key}=${JSON.stringify(value)}: expected true or false`, { key, value });
    this.resolved[key] = value;
    return value;
  }

  /**
   * A server setting that is on or off (synchronous_commit): true/false or
   * "on"/"off" (the harness's sweeps use the latter). Recorded as "on"/"off".
   */
  onOff(key: string, defaultValue: boolean): boolean {
    this.read.add(key);
    const value = this.given[key] ?? defaultValue;
    const on = value === true || value === "on" ? true : value === false || value === "off" ? false : undefined;
    if (on === undefined) throw invalid(`invalid setting ${key}=${JSON.stringify(value)}: expected "on", "off", true or false`, { key, value });
    this.resolved[key] = on ? "on" : "off";
    return on;
  }

  choice<T extends string>(key: string, defaultValue: T, allowed: readonly T[]): T {
    this.read.add(key);
    const value = this.given[key] ?? defaultValue;
    if (typeof value !== "string" || !allowed.includes(value as T)) {
      throw invalid(`invalid setting ${key}=${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`, { key, value, allowed });
    }
    this.resolved[key] = value;
    return value as T;
  }

  /** A fixed fact of this run (not a knob): recorded, not read from the request. */
  fact(key: string, value: string | number | boolean): void {
    this.read.add(key);
    this.resolved[key] = value;
  }

  /** Knobs the request gave that this system did not read: kept in the config, and named in a note. */
  ignored(): { config: Config; notes: string[] } {
    const config: Config = { ...this.resolved };
    const unread = Object.keys(this.given).filter((k) => !this.read.has(k));
    for (const key of unread) config[key] = this.given[key]!;
    const notes = unread.length > 0 ? [`not applicable to this system, ignored: ${unread.join(", ")}`] : [];
    return { config, notes };
  }
}

function invalid(message: string, details: Record<string, unknown>, code: BenchErrorCode = "INVALID_SETTING"): BenchError {
  return new BenchError(code, message, details);
}

export function checkWorkload(system: string, workload: WorkloadName, supported: readonly WorkloadName[]): void {
  if (!supported.includes(workload)) {
    throw new BenchError("WORKLOAD_NOT_SUPPORTED", `${system} does not run the ${workload} workload (it runs: ${supported.join(", ")})`, { system, workload });
  }
}

export function checkDurations(warmupMs: number, windowMs: number): void {
  if (!Number.isFinite(warmupMs) || warmupMs < 0) throw invalid(`invalid warmupMs ${warmupMs}: expected 0 or more`, { warmupMs });
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw invalid(`invalid windowMs ${windowMs}: expected more than 0`, { windowMs });
}

/** A fresh identifier for a run's own schema or database: `<prefix>_<16 hex>`. */
export function runIdentifier(prefix: "bench_sql" | "bench_pgbench" | "bench_dbos"): string {
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}

/** Quote an identifier this file made (runIdentifier): a strict pattern, so quoting is only belt and braces. */
export function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw invalid(`invalid identifier ${JSON.stringify(name)}`, { name });
  return `"${name}"`;
}

/** PGOPTIONS for connections that should run with synchronous_commit off (libpq and node-postgres both read it). */
export function pgOptions(synchronousCommit: boolean): string | undefined {
  return synchronousCommit ? undefined : "-c synchronous_commit=off";
}
