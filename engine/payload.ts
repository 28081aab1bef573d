/**
 * Payloads are JSON. They are validated where they enter (client calls,
 * workflow commands, activity results) so a bad value is rejected with a
 * typed error naming the problem, before anything is written.
 *
 * Only plain JSON round-trips exactly, so anything JSON.stringify would
 * silently change (a Date becomes a string, a Map becomes {}, NaN becomes
 * null, a function disappears) is refused rather than mangled. The two
 * conventions everyone relies on are kept: an undefined property is
 * omitted, an undefined array element becomes null.
 */
import { PayloadError } from "./errors.ts";
import { PAYLOAD_BYTES_MAX } from "./limits.ts";

const DEPTH_MAX = 256;

/** Encode `value` as JSON text, or throw PayloadError. `what` names it in the message ("workflow input"). */
export function encodePayload(value: unknown, what: string, bytesMax = PAYLOAD_BYTES_MAX): string {
  // The quick walk builds no paths; only a payload it refuses is walked again to say where and why.
  if (!serializable(value === undefined ? null : value, new Set(), 0)) checkSerializable(value, what, "$", new Set(), 0);
  const text = JSON.stringify(value === undefined ? null : value);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > bytesMax) {
    throw new PayloadError("PAYLOAD_TOO_LARGE", `${what} is ${bytes} bytes encoded, over the limit of ${bytesMax} (PAYLOAD_BYTES_MAX)`, { what, bytes, limit: bytesMax });
  }
  return text;
}

/** Validate and return the value itself (for payloads stored inside a larger JSON document). */
export function checkPayload<T>(value: T, what: string, bytesMax = PAYLOAD_BYTES_MAX): T | null {
  encodePayload(value, what, bytesMax);
  return value === undefined ? null : value;
}

/** What checkSerializable accepts, answered without building paths or messages (encodePayload runs twice a step). Exported for its test. */
export function serializable(value: unknown, seen: Set<object>, depth: number): boolean {
  if (depth > DEPTH_MAX) return false;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (seen.has(value)) return false;
      if (Array.isArray(value)) {
        seen.add(value);
        for (const item of value) if (item !== undefined && !serializable(item, seen, depth + 1)) return false;
        seen.delete(value);
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      seen.add(value);
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        const item = (value as Record<string, unknown>)[key];
        if (item !== undefined && !serializable(item, seen, depth + 1)) return false;
      }
      seen.delete(value);
      return true;
    }
    default:
      return false;
  }
}

/** Throw PayloadError naming where and why `value` is not plain JSON. Exported for its test. */
export function checkSerializable(value: unknown, what: string, path: string, seen: Set<object>, depth: number): void {
  const fail = (reason: string): never => {
    throw new PayloadError("PAYLOAD_NOT_SERIALIZABLE", `${what} is not JSON-serialisable at ${path}: ${reason}`, { what, path, reason });
  };
  if (depth > DEPTH_MAX) fail(`nested deeper than ${DEPTH_MAX} levels`);
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) fail(`${value} is not a finite number`);
      return;
    case "undefined":
      fail("undefined (use null)");
      return;
    case "bigint":
      fail("a bigint (convert it to a string or number)");
      return;
    case "function":
      fail("a function");
      return;
    case "symbol":
      fail("a symbol");
      return;
    case "object": {
      if (value === null) return;
      if (seen.has(value)) fail("a circular reference");
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        seen.add(value);
        // As JSON.stringify does, an undefined array element becomes null.
        value.forEach((item, i) => item === undefined || checkSerializable(item, what, `${path}[${i}]`, seen, depth + 1));
        seen.delete(value);
        return;
      }
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as object).constructor?.name ?? "object";
        fail(`a ${name} (only plain objects, arrays, strings, finite numbers, booleans and null)`);
      }
      seen.add(value);
      for (const [key, item] of Object.entries(value)) {
        // JSON.stringify drops undefined properties; that is the one loss we accept, as everyone does.
        if (item === undefined) continue;
        checkSerializable(item, what, `${path}.${key}`, seen, depth + 1);
      }
      seen.delete(value);
      return;
    }
  }
}
