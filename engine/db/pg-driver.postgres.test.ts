/**
 * PgDriver session settings on a real server: JIT is off for the engine's
 * sessions unless asked for (see PgDriverOptions.jit for why).
 */
import { describe, expect, it } from "vitest";
import { postgresUrl } from "../testing/databases.ts";
import { PgDriver } from "./pg-driver.ts";

describe.skipIf(!postgresUrl())("PgDriver sessions (PostgreSQL; skipped without DATABASE_URL)", () => {
  async function jitSetting(options: { jit?: boolean }): Promise<string[]> {
    const driver = new PgDriver({ connectionString: postgresUrl()!, maxConnections: 2, ...options });
    try {
      // Two sessions at once, so both pool connections are checked: each gets the setting as it connects.
      const [a, b] = await Promise.all([0, 1].map(() => driver.transaction((tx) => tx.query<{ jit: string }>({ text: "SELECT current_setting('jit') AS jit, pg_sleep(0.05)", values: [] }))));
      return [a![0]!.jit, b![0]!.jit];
    } finally {
      await driver.close();
    }
  }

  it("turns JIT off on every session by default, and leaves the server's setting when jit: true", async () => {
    expect(await jitSetting({})).toEqual(["off", "off"]);
    expect(await jitSetting({ jit: true })).toEqual(["on", "on"]);
  });

  it("keeps other session options of the connection string (and the user's own jit setting)", async () => {
    const url = new URL(postgresUrl()!);
    url.searchParams.set("options", "-c synchronous_commit=off");
    const driver = new PgDriver({ connectionString: url.toString(), maxConnections: 1 });
    try {
      const [row] = await driver.query<{ jit: string; sc: string }>({ text: "SELECT current_setting('jit') AS jit, current_setting('synchronous_commit') AS sc", values: [] });
      expect(row).toEqual({ jit: "off", sc: "off" });
    } finally {
      await driver.close();
    }
  });
});

describe("withSessionOptions", () => {
  it("sets the engine's options first and keeps the connection string's own after them, so the user's win", async () => {
    const { withSessionOptions } = await import("./pg-driver.ts");
    expect(withSessionOptions("postgres://u@h:5432/d", ["-c jit=off"])).toEqual({ connectionString: "postgres://u@h:5432/d", options: "-c jit=off" });
    expect(withSessionOptions("postgres://u@h/d?options=-c%20jit%3Don&sslmode=disable", ["-c jit=off"])).toEqual({
      connectionString: "postgres://u@h/d?sslmode=disable",
      options: "-c jit=off -c jit=on",
    });
    expect(withSessionOptions("postgres://u@h/d?options=x", [])).toEqual({ connectionString: "postgres://u@h/d?options=x" });
  });
});
