/**
 * Loading the user's worker module: a file (TypeScript works, through tsx)
 * exporting `workflows` and/or `activities` (objects of functions) and
 * optionally `taskQueue`. Every way it can be unusable is bad input (exit 2)
 * with a message saying what to export.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkQueueName } from "../names.ts";
import type { ActivityMap, WorkflowMap } from "../workflow/types.ts";
import { usageError } from "./args.ts";

export interface WorkerModule {
  path: string;
  workflows: WorkflowMap;
  activities: ActivityMap;
  taskQueue: string | undefined;
}

const EXPECTED = "export `workflows` and/or `activities` (objects of functions), e.g. `export const workflows = { greet }`";

/** `note` receives the stack of an error the module's own code threw while loading (it is the user's code: show where). */
export async function loadWorkerModule(spec: string, cwd: string, note: (text: string) => void): Promise<WorkerModule> {
  const path = resolve(cwd, spec);
  if (!existsSync(path)) throw usageError(`worker module ${spec} not found (looked for ${path})`, { field: "module", path });
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof Error && err.stack) note(`error while importing ${spec}:\n${err.stack}`);
    throw usageError(`cannot load worker module ${spec}: ${err instanceof Error ? err.message : String(err)}`, { field: "module", path });
  }
  const workflows = functionMap(mod.workflows, "workflows", spec, (v) => typeof v === "function");
  const activities = functionMap(mod.activities, "activities", spec, isActivityDefinition);
  if (Object.keys(workflows).length === 0 && Object.keys(activities).length === 0) {
    throw usageError(`worker module ${spec} has no workflows or activities: ${EXPECTED}`, { field: "module", path, exports: Object.keys(mod) });
  }
  let taskQueue: string | undefined;
  if (mod.taskQueue !== undefined) taskQueue = checkQueueName(mod.taskQueue, `taskQueue exported by ${spec}`);
  return { path, workflows: workflows as WorkflowMap, activities: activities as ActivityMap, taskQueue };
}

function functionMap(value: unknown, name: string, spec: string, isEntry: (v: unknown) => boolean): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usageError(`worker module ${spec}: export \`${name}\` is ${Array.isArray(value) ? "an array" : typeof value}, expected an object of functions`, { field: name });
  }
  for (const [key, entry] of Object.entries(value)) {
    if (!isEntry(entry)) throw usageError(`worker module ${spec}: ${name}.${key} is ${typeof entry}, expected a function`, { field: `${name}.${key}` });
  }
  return value as Record<string, unknown>;
}

/** A function, or a transactional activity made with `transactional(...)`. */
function isActivityDefinition(value: unknown): boolean {
  if (typeof value === "function") return true;
  const t = value as { transactional?: unknown; run?: unknown } | null;
  return typeof t === "object" && t !== null && t.transactional === true && typeof t.run === "function";
}
