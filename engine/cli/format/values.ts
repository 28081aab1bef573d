/**
 * Small renderings shared by the human output of several commands.
 */
import type { FailureInfo } from "../../errors.ts";
import { FAILURE_CAUSES_SHOWN_MAX, INLINE_JSON_CHARS_MAX } from "../cli-limits.ts";

/** Epoch milliseconds as ISO-8601 UTC (a Date built from a value: no clock is read). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A payload on one line, cut to INLINE_JSON_CHARS_MAX so one huge input cannot flood a listing. */
export function inlineJson(value: unknown): string {
  const text = JSON.stringify(value === undefined ? null : value) ?? "null";
  return text.length <= INLINE_JSON_CHARS_MAX ? text : `${text.slice(0, INLINE_JSON_CHARS_MAX)}… (${text.length} chars)`;
}

/** "Type: message", without repeating the type when the message already starts with it. */
export function failureHeadline(failure: FailureInfo): string {
  const code = failure.code !== undefined && failure.code !== failure.type ? ` [${failure.code}]` : "";
  return `${failure.type}${code}: ${failure.message}`;
}

/** The failure and its causes, one per line, for human output. */
export function failureLines(failure: FailureInfo, indent = ""): string[] {
  const lines = [`${indent}${failureHeadline(failure)}`];
  let cause = failure.cause;
  for (let depth = 0; cause !== undefined && depth < FAILURE_CAUSES_SHOWN_MAX; depth++) {
    lines.push(`${indent}  caused by ${failureHeadline(cause)}`);
    cause = cause.cause;
  }
  if (cause !== undefined) lines.push(`${indent}  (further causes omitted; see --json)`);
  return lines;
}
