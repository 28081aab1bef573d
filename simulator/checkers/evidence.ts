/**
 * One-line descriptions of what a violation points at: history events,
 * worker observations, effect records. Short and uniform, so a report reads
 * as a list of facts with their ids and virtual times.
 */
import type { HistoryEvent } from "../../engine/index.ts";
import type { EffectRecord, ObservationRecord } from "../model.ts";
import { incarnationOf } from "./record-index.ts";

/** How many of a run's last events a violation quotes. */
export const LAST_EVENTS_SHOWN = 3;

/** `#7 ActivityCompleted(seq 2, attempt 1) at 1200 ms` */
export function describeEvent(event: HistoryEvent): string {
  const fields: string[] = [];
  const data = event.data as Record<string, unknown>;
  if (typeof data.seq === "number") fields.push(`seq ${data.seq}`);
  if (typeof data.activityType === "string") fields.push(data.activityType);
  if (typeof data.attempt === "number") fields.push(`attempt ${data.attempt}`);
  if (typeof data.name === "string") fields.push(data.name);
  const args = fields.length > 0 ? `(${fields.join(", ")})` : "";
  return `#${event.eventId} ${event.type}${args} at ${event.atMs} ms`;
}

/** The last LAST_EVENTS_SHOWN events of a history, described. */
export function describeLastEvents(history: readonly HistoryEvent[]): string[] {
  return history.slice(-LAST_EVENTS_SHOWN).map(describeEvent);
}

/** `worker-2#1 claimed activity task 12 seq 3 attempt 2 token 5 at 4100 ms` */
export function describeObservation(record: ObservationRecord): string {
  const o = record.observation;
  const parts = [incarnationOf(record), o.type];
  if ("kind" in o) parts.push(o.kind);
  parts.push(`task ${o.taskId}`);
  if ("seq" in o) parts.push(`seq ${o.seq}`);
  if ("attempt" in o) parts.push(`attempt ${o.attempt}`);
  if ("leaseToken" in o) parts.push(`token ${o.leaseToken}`);
  return `${parts.join(" ")} at ${record.atMs} ms`;
}

/** `payments.charge key r1:2 attempt 1: applied (ok) at 5000 ms` */
export function describeEffect(effect: EffectRecord): string {
  const what = effect.applied ? "applied" : "not applied";
  return `${effect.service}.${effect.operation} key ${effect.key} attempt ${effect.attempt}: ${what} (${effect.outcome}) at ${effect.atMs} ms`;
}

/** `1, 2 and 3` */
export function listOf(items: ReadonlyArray<string | number>): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
