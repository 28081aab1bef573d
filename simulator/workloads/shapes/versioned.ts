/**
 * versioned: workflow code that changes while its runs are in flight. The
 * first version reserves, sleeps (so runs span a deploy), then charges. The
 * second, deployed mid-run (a scenario's `deploy`: every worker restarts on
 * it), also notifies before the charge — behind ctx.patched(VERSIONED_PATCH_ID),
 * asked in the run's first workflow task, so a run keeps the branch its first
 * task took: runs begun on the first version replay on the second without
 * the patch (their history has no marker) and charge without notifying;
 * runs begun on the second record the marker and notify.
 *
 * Under faults this checks versioning's promise: code changed the patched
 * way replays every old history deterministically (no NonDeterminismError),
 * each run follows one branch, the one its marker says.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { STEP_OPTIONS } from "../activity-options.ts";

export const VERSIONED_PATCH_ID = "notify-before-charge";
/** The step only the patched branch takes. */
export const VERSIONED_PATCHED_STEP = "notify";
export const VERSIONED_PAUSE_MS_MIN = 2_000;
export const VERSIONED_PAUSE_MS_MAX = 15_000;
/** The workflow code versions a run may meet: 1 before a scenario's deploy, 2 after. */
export const CODE_VERSIONS = [1, 2] as const;
export type CodeVersion = (typeof CODE_VERSIONS)[number];

export interface VersionedInput {
  pauseMs: number;
}

export interface VersionedResult {
  branch: "old" | "new";
  receipts: string[];
}

export function drawVersionedInput(prng: Prng): VersionedInput {
  return { pauseMs: prng.int(VERSIONED_PAUSE_MS_MIN, VERSIONED_PAUSE_MS_MAX) };
}

/** Version 1: reserve, pause, charge. */
export async function versioned(ctx: WorkflowContext, input: VersionedInput): Promise<VersionedResult> {
  const receipts = [await ctx.activity<string>("reserve", {}, STEP_OPTIONS)];
  await ctx.sleep(input.pauseMs);
  receipts.push(await ctx.activity<string>("charge", {}, STEP_OPTIONS));
  return { branch: "old", receipts };
}

/** Version 2: as version 1, and runs begun on it notify before the charge. */
export async function versionedPatched(ctx: WorkflowContext, input: VersionedInput): Promise<VersionedResult> {
  // Asked before the first command: a run begun on version 1 has no marker in its first task, and keeps the old branch.
  const patched = ctx.patched(VERSIONED_PATCH_ID);
  const receipts = [await ctx.activity<string>("reserve", {}, STEP_OPTIONS)];
  await ctx.sleep(input.pauseMs);
  if (patched) receipts.push(await ctx.activity<string>(VERSIONED_PATCHED_STEP, {}, STEP_OPTIONS));
  receipts.push(await ctx.activity<string>("charge", {}, STEP_OPTIONS));
  return { branch: patched ? "new" : "old", receipts };
}
