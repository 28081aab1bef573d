/**
 * Reading a run's settings from `RunRequest.config` (values may arrive as
 * strings from a command line): every value is checked where it enters, and
 * a bad one is an InvalidArgumentError naming the key.
 */
import { InvalidArgumentError } from "../../../engine/errors.ts";

export type Config = Readonly<Record<string, string | number | boolean>>;

export function intSetting(config: Config, key: string, fallback: number, min: number, max: number): number {
  const raw = config[key];
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`setting ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`, { field: key, value: raw });
  }
  return value;
}

export function boolSetting(config: Config, key: string, fallback: boolean): boolean {
  const raw = config[key];
  if (raw === undefined) return fallback;
  if (raw === true || raw === "true" || raw === "on") return true;
  if (raw === false || raw === "false" || raw === "off") return false;
  throw new InvalidArgumentError(`setting ${key} must be true or false, got ${JSON.stringify(raw)}`, { field: key, value: raw });
}

export function choiceSetting<T extends string>(config: Config, key: string, choices: readonly T[], fallback: T): T {
  const raw = config[key];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !(choices as readonly string[]).includes(raw)) {
    throw new InvalidArgumentError(`setting ${key} must be one of ${choices.join(", ")}, got ${JSON.stringify(raw)}`, { field: key, value: raw });
  }
  return raw as T;
}
