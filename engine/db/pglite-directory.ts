/**
 * Preparing a PGlite data directory for one process.
 *
 * One process at a time: PGlite itself does not lock its data directory.
 * Measured here, two processes that opened the same directory at once each
 * inserted a row and one insert was silently lost. So the driver takes a lock
 * file inside the directory (Postgres ignores unknown files in its data
 * directory) and refuses a second opener with a clear error. A lock left by
 * a process that died is detected (its pid is gone) and taken over.
 *
 * And only a directory that is new, empty, or already a PGlite database:
 * PGlite would otherwise run initdb into whatever directory it is given,
 * scattering a cluster's files among the user's own (`--db pglite:.`).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DatabaseUnavailableError, InvalidArgumentError } from "../errors.ts";

export const PGLITE_LOCK_FILE = ".ratchet.lock";

const usageError = (message: string, details: Record<string, unknown>) => new InvalidArgumentError(message, details);

export interface DirectoryLock {
  release(): void;
}

/** The file every Postgres data directory holds; its presence says "this is a database". */
const PG_VERSION_FILE = "PG_VERSION";

/** Refuse a directory that holds something other than a PGlite database (exit 2: the target is wrong). */
export function checkPgliteDirectory(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return; // created on open
    throw usageError(`pglite:${dir} cannot be used as a data directory (${code ?? (err as Error).message})`, { field: "database", dir });
  }
  const foreign = entries.filter((e) => e !== PGLITE_LOCK_FILE);
  if (foreign.length > 0 && !existsSync(join(dir, PG_VERSION_FILE))) {
    throw usageError(`pglite:${dir} is not empty and holds no PGlite database: name a new or empty directory (it holds e.g. ${foreign.slice(0, 3).join(", ")})`, {
      field: "database",
      dir,
    });
  }
}

export function lockPgliteDirectory(dir: string, holder: string): DirectoryLock {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw usageError(`pglite:${dir} cannot be used as a data directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { field: "database", dir });
  }
  const path = join(dir, PGLITE_LOCK_FILE);
  // Two tries: the second follows removing a lock whose owner died.
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, holder }));
      closeSync(fd);
      return ownedLock(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") {
        throw new DatabaseUnavailableError(`cannot lock pglite:${dir}: ${code ?? (err as Error).message} creating ${path}`, { database: `pglite:${dir}`, lockFile: path }, err);
      }
      const owner = readOwner(path);
      if (owner !== undefined && isAlive(owner.pid)) {
        throw new DatabaseUnavailableError(
          `pglite:${dir} is in use by another ratchet process (pid ${owner.pid}, ${owner.holder}); PGlite allows one process at a time: stop that process (e.g. the worker), or use PostgreSQL for concurrent access`,
          { database: `pglite:${dir}`, pid: owner.pid, lockFile: path },
        );
      }
      unlinkQuietly(path);
    }
  }
  throw new DatabaseUnavailableError(`could not lock pglite:${dir} (lock file ${path} keeps reappearing)`, { database: `pglite:${dir}`, lockFile: path });
}

function ownedLock(path: string): DirectoryLock {
  // If the process exits without release (a forced exit on a second Ctrl-C), still remove the lock.
  const onExit = () => unlinkQuietly(path);
  process.once("exit", onExit);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      process.off("exit", onExit);
      unlinkQuietly(path);
    },
  };
}

function readOwner(path: string): { pid: number; holder: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { pid?: unknown; holder?: unknown };
    if (typeof parsed.pid !== "number") return undefined;
    return { pid: parsed.pid, holder: typeof parsed.holder === "string" ? parsed.holder : "unknown command" };
  } catch {
    // Unreadable or half-written: treat as stale rather than wedging the directory forever.
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
