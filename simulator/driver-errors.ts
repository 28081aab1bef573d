/** How the driver records a call that threw: its code and message, and whether it certainly did nothing. */
import { RatchetError } from "../engine/index.ts";

export function describeError(err: unknown): string {
  if (err instanceof RatchetError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** fail: certainly not done; info: perhaps done (a retryable error — the database restarting, a lost reply). */
export function callFailure(err: unknown): { outcome: "fail" | "info"; error: string } {
  return { outcome: err instanceof RatchetError && err.retryable ? "info" : "fail", error: describeError(err) };
}
