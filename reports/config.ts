/**
 * Describing results' configs compactly. Within one group of results most
 * knobs are the same in every run; only the ones that differ tell the rows
 * apart, so those become table columns and chart labels, and the rest are
 * said once in a note.
 */
import type { Result } from "../bench/model.ts";
import { formatConfigValue } from "./format.ts";

export type ConfigValue = Result["config"][string];

function allKeys(results: readonly Result[]): string[] {
  const keys = new Set<string>();
  for (const r of results) for (const key of Object.keys(r.config)) keys.add(key);
  return [...keys];
}

/** Keys whose value differs between results (a key missing from some results differs too). */
export function varyingKeys(results: readonly Result[]): string[] {
  return allKeys(results).filter((key) => new Set(results.map((r) => JSON.stringify(r.config[key]))).size > 1);
}

/** Keys with the same value in every result, and that value. */
export function constantConfig(results: readonly Result[]): Array<[string, ConfigValue]> {
  const varying = new Set(varyingKeys(results));
  const first = results[0]?.config ?? {};
  return allKeys(results)
    .filter((key) => !varying.has(key))
    .map((key) => [key, first[key]!]);
}

/** `batch 100, workers 4`: the given keys of one config, skipping the ones it does not have. */
export function describeConfig(config: Result["config"], keys: readonly string[]): string {
  return keys
    .filter((key) => config[key] !== undefined)
    .map((key) => `${key} ${formatConfigValue(config[key], key)}`)
    .join(", ");
}

/** `ratchet · batch 100, workers 4`, or just `ratchet` when nothing else tells the rows apart. */
export function resultLabel(result: Result, keys: readonly string[]): string {
  const config = describeConfig(result.config, keys);
  return config === "" ? result.system : `${result.system} · ${config}`;
}
