/**
 * A child process of the raw SQL ceiling (sql-ceiling.ts): either a worker
 * (`connections` loops, each on its own connection: claim a batch, then
 * complete it, each statement its own transaction, as fast as the server
 * answers) or the producer (keeps the queue about `targetDepth` rows deep
 * with bulk inserts, so workers never wait for work and never face an
 * unbounded queue).
 */
import pg from "pg";
import { serveChild, sleep, type ChildContext, type ChildWorkload } from "./child-runtime.ts";
import { CeilingQueries } from "./sql-ceiling.queries.ts";

/** How long the producer sleeps when the queue is deep enough. */
const PRODUCER_IDLE_MS = 2;
/** How long a worker connection sleeps after an empty claim (the producer is behind). */
const WORKER_IDLE_MS = 1;
/** Rows per statement while filling the queue before the run starts (a deep backlog). */
const FILL_CHUNK_ROWS = 50_000;

export interface CeilingWorkerInit {
  role: "worker";
  databaseUrl: string;
  schema: string;
  workload: "one-activity" | "fanout" | "backlog" | "steps";
  batch: number;
  connections: number;
  /** Steps per chain in the steps workload (each completion enqueues the next until this seq). */
  stepsDepth: number;
  pgOptions: string | null;
}

export interface CeilingProducerInit {
  role: "producer";
  databaseUrl: string;
  schema: string;
  workload: "one-activity" | "fanout" | "backlog" | "steps";
  targetDepth: number;
  /** Rows per insert statement while running (fanout: the fan-out width). */
  insertRows: number;
  payloadBytes: number;
  pgOptions: string | null;
}

async function connect(init: { databaseUrl: string; schema: string; pgOptions: string | null }): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: init.databaseUrl,
    application_name: init.schema, // so the parent can find (and end) this run's sessions
    ...(init.pgOptions ? { options: init.pgOptions } : {}),
  });
  await client.connect();
  return client;
}

async function worker(init: CeilingWorkerInit, ctx: ChildContext): Promise<ChildWorkload> {
  const q = new CeilingQueries(init.schema);
  const clients = await Promise.all(Array.from({ length: init.connections }, () => connect(init)));
  const counts = { claimed: 0, completed: 0, claims: 0, emptyClaims: 0 };
  let stopping = false;
  let loops: Promise<void>[] = [];

  async function loop(client: pg.Client): Promise<void> {
    while (!stopping) {
      const claimed = await client.query<{ task_id: string; lease_token: string; seq: number; scheduled_at_ms: string }>(q.claim(Date.now(), init.batch));
      counts.claims++;
      const rows = claimed.rows;
      if (rows.length === 0) {
        counts.emptyClaims++;
        await sleep(WORKER_IDLE_MS);
        continue;
      }
      counts.claimed += rows.length;
      const began = Date.now();
      if (ctx.sampling) for (const r of rows) ctx.sample("scheduleToStart", began - Number(r.scheduled_at_ms));
      let completed: number;
      if (init.workload === "steps") {
        const res = await client.query<{ completed: number }>(
          q.completeSteps(
            rows.map((r) => r.task_id),
            rows.map((r) => r.lease_token),
            Date.now(),
            init.stepsDepth,
          ),
        );
        completed = res.rows[0]!.completed;
      } else if (rows.length === 1) {
        completed = (await client.query(q.completeOne(rows[0]!.task_id, rows[0]!.lease_token))).rowCount ?? 0;
      } else {
        const res = await client.query(
          q.completeBatch(
            rows.map((r) => r.task_id),
            rows.map((r) => r.lease_token),
          ),
        );
        completed = res.rowCount ?? 0;
      }
      // Leases outlast the run, so a completion can only miss a row through a bug here.
      if (completed !== rows.length) throw new Error(`completed ${completed} of ${rows.length} claimed rows: a lease was lost`);
      counts.completed += completed;
      if (ctx.sampling) {
        const done = Date.now();
        for (const r of rows) ctx.sample("endToEnd", done - Number(r.scheduled_at_ms));
      }
    }
  }

  return {
    go() {
      loops = clients.map((c) => loop(c).catch((err) => ctx.fail(err)));
    },
    counts: () => ({ ...counts }),
    async stop() {
      stopping = true;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.end()));
    },
  };
}

async function producer(init: CeilingProducerInit, ctx: ChildContext): Promise<ChildWorkload> {
  const q = new CeilingQueries(init.schema);
  const client = await connect(init);
  const spec = CeilingQueries.spec(init.payloadBytes);
  const counts = { inserted: 0, inserts: 0 };
  let stopping = false;
  let running: Promise<void> = Promise.resolve();

  const depth = async (): Promise<number> => (await client.query<{ depth: number }>(q.queueDepth())).rows[0]!.depth;
  const insert = async (rows: number): Promise<void> => {
    await client.query(init.workload === "fanout" ? q.insertFanout(Date.now(), rows, spec) : q.insertRuns(Date.now(), rows, spec));
    counts.inserted += rows;
    counts.inserts++;
  };

  // Fill the queue before anyone starts, so the window starts at steady state
  // (and a backlog run starts with its backlog).
  for (let d = await depth(); d < init.targetDepth; d = await depth()) {
    const rows = init.workload === "fanout" ? init.insertRows : Math.min(init.targetDepth - d, FILL_CHUNK_ROWS);
    await insert(rows);
  }
  await client.query(q.analyze());

  async function loop(): Promise<void> {
    while (!stopping) {
      const missing = init.targetDepth - (await depth());
      if (missing <= 0) {
        await sleep(PRODUCER_IDLE_MS);
        continue;
      }
      await insert(init.workload === "fanout" ? init.insertRows : Math.min(missing, init.insertRows));
    }
  }

  return {
    go() {
      running = loop().catch((err) => ctx.fail(err));
    },
    counts: () => ({ ...counts }),
    async stop() {
      stopping = true;
      await running;
      await client.end();
    },
  };
}

serveChild(async (init, ctx) => {
  const role = (init as { role: string }).role;
  if (role === "worker") return worker(init as unknown as CeilingWorkerInit, ctx);
  if (role === "producer") return producer(init as unknown as CeilingProducerInit, ctx);
  throw new Error(`unknown sql-ceiling child role ${JSON.stringify(role)}`);
});
