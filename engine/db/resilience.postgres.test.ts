/**
 * The database going away: unreachable at start gives a clear, typed error
 * that names the server (never its password); a running worker whose
 * connection is cut (a TCP proxy that stops forwarding, then comes back) and
 * whose sessions are killed with pg_terminate_backend reconnects and carries
 * on, losing nothing and recording each result once.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { DatabaseUnavailableError } from "../errors.ts";
import { silentLogger } from "../ports/logger.ts";
import { Ratchet } from "../ratchet.ts";
import { Store } from "../store/store.ts";
import { postgresUrl, testDatabase, type TestDatabase } from "../testing/databases.ts";
import { Worker } from "../worker/worker.ts";
import type { WorkflowContext } from "../workflow/types.ts";
import { openDatabase } from "./connect.ts";
import { PgDriver } from "./pg-driver.ts";

/** A TCP proxy to the real server that can be cut (all connections dropped, port closed) and restored. */
class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server!.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

describe("database unreachable at start", () => {
  it("openDatabase and Ratchet.connect fail with DATABASE_UNAVAILABLE, naming the server but not the password", async () => {
    const url = "postgres://ratchet:s3cret@127.0.0.1:1/nowhere";
    const error = await openDatabase(url, { maxConnections: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toMatch(/cannot reach PostgreSQL at postgres:\/\/ratchet:\*\*\*@127\.0\.0\.1:1\/nowhere/);
    expect((error as Error).message).toContain("DATABASE_URL");
    expect((error as Error).message).not.toContain("s3cret");
    await expect(Ratchet.connect({ database: url })).rejects.toMatchObject({ code: "DATABASE_UNAVAILABLE", retryable: true });
  });

  it("an unrecognised database string is bad input, not an outage", async () => {
    await expect(openDatabase("mysql://localhost/x")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe.skipIf(!postgresUrl())("a running worker through outages (PostgreSQL; skipped without DATABASE_URL)", () => {
  let t: TestDatabase;
  let proxy: CuttableProxy;

  beforeAll(async () => {
    t = await testDatabase("postgres", { prefix: "outage" });
    const url = new URL(postgresUrl()!);
    proxy = new CuttableProxy({ host: url.hostname, port: Number(url.port || 5432) });
    await proxy.listen();
  });
  afterAll(async () => {
    await proxy?.cut();
    await t?.close();
  });

  it("reconnects after its connection is cut and its sessions are terminated, and finishes every workflow once", async () => {
    const queue = "outage-q";
    const proxied = new URL(postgresUrl()!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    const appName = `ratchet-outage-${t.schema}`;
    const db = new PgDriver({ connectionString: proxied.toString(), maxConnections: 3, applicationName: appName, connectTimeoutMs: 1_000 });
    const store = new Store(db, { schema: t.schema });
    const workflows = {
      async twoSteps(ctx: WorkflowContext, n: number) {
        const a = await ctx.activity<number>("double", n);
        await ctx.sleep(100);
        return ctx.activity<number>("double", a);
      },
    };
    const worker = new Worker({ store, taskQueue: queue, workflows, activities: { double: async (n: number) => n * 2 }, pollIntervalMs: 50, logger: silentLogger });
    await worker.start();
    const client = new Client({ store: t.store }); // the client talks to the server directly
    try {
      const first = await client.start("twoSteps", { workflowId: "before-outage", taskQueue: queue, input: 1 });
      expect(await first.result({ timeoutMs: 20_000, pollMs: 20 })).toBe(4);

      // Outage 1: the network path dies. Work accepted meanwhile must not be lost.
      await proxy.cut();
      const during = await Promise.all([2, 3, 4].map((n) => client.start("twoSteps", { workflowId: `during-outage-${n}`, taskQueue: queue, input: n })));
      await new Promise((r) => setTimeout(r, 600));
      expect(worker.stats.databaseErrors).toBeGreaterThan(0);
      await proxy.listen();
      for (const [i, h] of during.entries()) expect(await h.result({ timeoutMs: 30_000, pollMs: 20 })).toBe((i + 2) * 4);

      // Outage 2: the server kills the worker's sessions (as a restart or an operator would).
      const killed = await t.db.query<{ n: number }>({
        text: "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name LIKE $1",
        values: [`${appName}%`],
      });
      expect(killed[0]!.n).toBeGreaterThan(0);
      const after = await client.start("twoSteps", { workflowId: "after-terminate", taskQueue: queue, input: 5 });
      expect(await after.result({ timeoutMs: 30_000, pollMs: 20 })).toBe(20);
    } finally {
      await worker.shutdown();
      await db.close();
    }
    for (const id of ["before-outage", "during-outage-2", "during-outage-3", "during-outage-4", "after-terminate"]) {
      const { events } = await client.history(id);
      expect(events.filter((e) => e.type === "ActivityCompleted").map((e) => (e.data as { seq: number }).seq)).toEqual([1, 3]);
      expect(events.at(-1)!.type).toBe("WorkflowCompleted");
    }
  });
});
