/**
 * Transactional start (the outbox pattern): a workflow started inside the
 * application's own transaction commits or rolls back with its business
 * write — on a real server through a pg PoolClient, and on PGlite through
 * its transaction object. Policies refuse without breaking the transaction;
 * something that is not a transaction is refused clearly.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgliteDriver } from "../db/pglite-driver.ts";
import { schemaIdentifier } from "../names.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import { postgresUrl, testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import type { WorkflowContext } from "../workflow/types.ts";
import { Worker } from "../worker/worker.ts";
import { Client, type ClientTransaction } from "./client.ts";

const workflows = { fulfil: async (ctx: WorkflowContext, orderId: string) => ctx.activity<string>("ship", orderId) };
const activities = { ship: async (orderId: string) => `shipped ${orderId}` };

interface AppDatabase {
  /** Run `fn` in one transaction of the application's (BEGIN … COMMIT, ROLLBACK if it throws). */
  transaction<T>(fn: (tx: ClientTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function transactionalStart(kind: "postgres" | "pglite"): void {
  describe(`transactional start on ${kind}`, () => {
    let t: TestDatabase;
    let app: AppDatabase;
    let orders: string;
    const clock = new ManualClock();
    let client: Client;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "txstart" });
      orders = `${schemaIdentifier(t.schema)}.app_orders`;
      await t.db.query({ text: `CREATE TABLE ${orders} (id text PRIMARY KEY)`, values: [] });
      client = new Client({ store: t.store, clock, random: new SeededRandom(`txstart-${kind}`) });
      if (kind === "postgres") {
        const pool = new pg.Pool({ connectionString: postgresUrl(), max: 2 });
        app = {
          async transaction(fn) {
            const session = await pool.connect();
            try {
              await session.query("BEGIN");
              const value = await fn(session);
              await session.query("COMMIT");
              return value;
            } catch (err) {
              await session.query("ROLLBACK");
              throw err;
            } finally {
              session.release();
            }
          },
          close: () => pool.end(),
        };
      } else {
        const pglite = (t.db as PgliteDriver).db;
        app = { transaction: (fn) => pglite.transaction((tx) => fn(tx)), close: async () => {} };
      }
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    const placeOrder = (orderId: string, after?: () => void) =>
      app.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${orders} (id) VALUES ($1)`, [orderId]);
        const handle = await client.startInTransaction(tx, "fulfil", { workflowId: `fulfil-${orderId}`, taskQueue: `tx-${kind}`, input: orderId });
        after?.();
        return handle;
      });
    const ordersNamed = async (orderId: string) => (await t.db.query({ text: `SELECT id FROM ${orders} WHERE id = $1`, values: [orderId] })).length;

    it("the start commits with the business write, and a worker runs it", async () => {
      const handle = await placeOrder("o-1");
      expect(handle.created).toBe(true);
      expect(await ordersNamed("o-1")).toBe(1);
      await new Worker({ store: t.store, taskQueue: `tx-${kind}`, workflows, activities, clock, logger: silentLogger }).runUntilIdle();
      expect(await handle.result()).toBe("shipped o-1");
    });

    it("a rollback after the start leaves neither the order nor the workflow", async () => {
      await expect(
        placeOrder("o-2", () => {
          throw new Error("payment check failed");
        }),
      ).rejects.toThrow("payment check failed");
      expect(await ordersNamed("o-2")).toBe(0);
      await expect(client.describe("fulfil-o-2")).rejects.toMatchObject({ code: "WORKFLOW_NOT_FOUND" });
      expect(await t.store.getLatestRun("fulfil-o-2")).toBeNull();
    });

    it("a policy refusal throws without aborting the transaction; a non-transaction is refused", async () => {
      await placeOrder("o-3");
      const outcome = await app.transaction(async (tx) => {
        const refusal = await client.startInTransaction(tx, "fulfil", { workflowId: "fulfil-o-3", taskQueue: `tx-${kind}` }).catch((e: { code: string }) => e.code);
        // The transaction is still usable after the refusal.
        await tx.query(`INSERT INTO ${orders} (id) VALUES ($1)`, ["o-3b"]);
        return refusal;
      });
      expect(outcome).toBe("WORKFLOW_ALREADY_RUNNING");
      expect(await ordersNamed("o-3b")).toBe(1);
      await expect(client.startInTransaction({} as ClientTransaction, "fulfil", { workflowId: "x", taskQueue: "q" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    });
  });
}

transactionalStart("pglite");
if (postgresUrl()) transactionalStart("postgres");
else describe.skip("transactional start on postgres (set DATABASE_URL)", () => it("skipped", () => {}));
