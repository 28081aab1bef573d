/**
 * JSON payloads given on the command line (--input, --input-file,
 * --payload), validated as the engine will validate them (JSON-serialisable,
 * at most PAYLOAD_BYTES_MAX encoded) before any connection is made, with the
 * flag named in the error.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { PayloadError } from "../errors.ts";
import { encodePayload } from "../payload.ts";
import { parseJsonFlag, usageError, type Flags } from "./args.ts";
import { INPUT_FILE_BYTES_MAX } from "./cli-limits.ts";

/** `--<name> JSON`: the parsed value, or null when absent. `purpose` completes the message ("input of workflow greet"). */
export function jsonPayloadFlag(flags: Flags, name: string, purpose: string): unknown {
  const given = flags.json(name);
  const value = given.present ? given.value : null;
  encodePayload(value, `--${name} (${purpose})`);
  return value;
}

/** `--<name> PATH`: a file holding the JSON payload; undefined when the flag is absent. */
export function jsonPayloadFile(flags: Flags, name: string, cwd: string, purpose: string): { present: false } | { present: true; value: unknown } {
  const file = flags.string(name);
  if (file === undefined) return { present: false };
  const what = `--${name} ${file}`;
  const value = parseJsonFlag(readBoundedFile(resolve(cwd, file), what), what);
  encodePayload(value, `${what} (${purpose})`);
  return { present: true, value };
}

/** Read a file, refusing one too large to hold a payload before reading it into memory. */
function readBoundedFile(path: string, what: string): string {
  let bytes: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw Object.assign(new Error("not a regular file"), { code: "not a regular file" });
    bytes = stat.size;
  } catch (err) {
    throw usageError(`${what}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { flag: what.split(" ")[0], path });
  }
  if (bytes > INPUT_FILE_BYTES_MAX) {
    throw new PayloadError("PAYLOAD_TOO_LARGE", `${what} is ${bytes} bytes, too large to encode within the payload limit (files over ${INPUT_FILE_BYTES_MAX} bytes are not read)`, {
      what,
      path,
      bytes,
      limit: INPUT_FILE_BYTES_MAX,
    });
  }
  return readFileSync(path, "utf8");
}
