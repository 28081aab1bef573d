// Proves the PGlite directory guards: a live lock holder is refused with
// DATABASE_UNAVAILABLE naming its pid, a lock left by a dead process (or a
// garbled lock file) is taken over, release lets the next opener in, and a
// directory holding anything but a PGlite database (or a file) is refused.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RatchetError } from "../errors.ts";
import { PGLITE_LOCK_FILE, checkPgliteDirectory, lockPgliteDirectory } from "./pglite-directory.ts";

/** Far above any pid_max Linux allows (2^22), so no process has it. */
const DEAD_PID = 99_999_999;

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ratchet-pglite-lock-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("lockPgliteDirectory", () => {
  it("creates the directory, records the holder, and refuses a second holder while the first lives", () => {
    const dir = join(freshDir(), "nested", "data");
    const lock = lockPgliteDirectory(dir, "ratchet-worker w1");
    expect(JSON.parse(readFileSync(join(dir, PGLITE_LOCK_FILE), "utf8"))).toEqual({ pid: process.pid, holder: "ratchet-worker w1" });
    let refusal: unknown;
    try {
      lockPgliteDirectory(dir, "ratchet-cli");
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(RatchetError);
    expect(refusal).toMatchObject({ code: "DATABASE_UNAVAILABLE", details: { pid: process.pid } });
    expect((refusal as Error).message).toContain("ratchet-worker w1");
    lock.release();
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false);
    lockPgliteDirectory(dir, "ratchet-cli").release();
  });

  it.each([
    ["a dead process", JSON.stringify({ pid: DEAD_PID, holder: "ratchet-worker crashed" })],
    ["a garbled lock file", "{not json"],
  ])("takes over a lock left by %s", (_case, contents) => {
    const dir = freshDir();
    writeFileSync(join(dir, PGLITE_LOCK_FILE), contents);
    const lock = lockPgliteDirectory(dir, "ratchet-cli");
    expect(JSON.parse(readFileSync(join(dir, PGLITE_LOCK_FILE), "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("release is idempotent and never removes a lock it does not hold", () => {
    const dir = freshDir();
    const lock = lockPgliteDirectory(dir, "first");
    lock.release();
    const second = lockPgliteDirectory(dir, "second");
    lock.release();
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(true);
    second.release();
  });
});

describe("checkPgliteDirectory", () => {
  it("accepts a new, an empty, or a PGlite directory", () => {
    const dir = freshDir();
    expect(() => checkPgliteDirectory(join(dir, "new"))).not.toThrow();
    expect(() => checkPgliteDirectory(dir)).not.toThrow();
    writeFileSync(join(dir, "PG_VERSION"), "17\n");
    writeFileSync(join(dir, "postgresql.conf"), "");
    expect(() => checkPgliteDirectory(dir)).not.toThrow();
  });

  it("refuses a directory of other files, and a file, as bad input", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect(() => checkPgliteDirectory(dir)).toThrow(/is not empty and holds no PGlite database: .*notes\.txt/);
    expect(() => checkPgliteDirectory(join(dir, "notes.txt"))).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("ENOTDIR") }));
    expect(() => lockPgliteDirectory(join(dir, "notes.txt"), "x")).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});
