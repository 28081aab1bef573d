/**
 * The simulated database server: one PGlite instance behind a model of a
 * server with sessions, network links and connection pools.
 *
 * PGlite is a single session, so the model serialises transactions: while
 * one connection has a transaction open, statements from other connections
 * wait in arrival order (as they would behind row locks, only coarser). That
 * makes every run exactly reproducible, and it is why races between
 * sessions (SKIP LOCKED) are tested against real PostgreSQL instead.
 *
 * Faults act here: a restart drops every session (open transactions roll
 * back, committed data stays) and refuses connections for a while; a link
 * can delay, drop or reset messages; a pool can run out of connections; a
 * COMMIT's reply can be lost after it landed (an ambiguous commit).
 */
import type { PGlite } from "@electric-sql/pglite";
import { CommitOutcomeUnknownError, DatabaseUnavailableError, translateDriverError, type Row, type Sql, type SqlSession } from "../engine/index.ts";
import type { EnvDriver, EnvLink, LinkFault } from "./environment.ts";
import type { NetworkMode } from "./model.ts";
import { PgliteStatements } from "./pglite-statements.ts";
import type { Prng } from "./prng.ts";
import type { Scheduler } from "./scheduler.ts";

/** One-way network latency on a healthy link, in virtual ms (drawn per message). */
export const LINK_LATENCY_MS_MIN = 1;
export const LINK_LATENCY_MS_MAX = 3;
/** How long a client takes to notice a connection that silently drops messages (keepalive / statement timeout). */
export const DROP_DETECT_MS = 3_000;
/** How long a client waits for a free pool connection before giving up (pg's connectionTimeoutMillis). */
export const POOL_WAIT_TIMEOUT_MS = 10_000;
/** How often a LISTEN session that was lost tries to come back. */
export const LISTEN_RETRY_MS = 500;

interface Connection {
  readonly id: number;
  readonly link: Link;
  readonly linkEpoch: number;
  readonly serverEpoch: number;
  broken: boolean;
}

interface Pending {
  conn: Connection;
  sql: Sql;
  done: (err: Error | undefined, rows: Row[]) => void;
}

/** The network between one actor (a worker, the workload driver) and the database. */
export class Link implements EnvLink {
  mode: NetworkMode | "ok" = "ok";
  extraLatencyMs = 0;
  /** Bumped when the link resets: every connection opened before is broken. */
  epoch = 0;
  /** Told when the link breaks its connections (the server then notices at once, as an RST would make it). */
  onBreak: (() => void) | undefined;
  /** The link's probability of losing a COMMIT reply, and until when (set by db.ambiguousCommit). */
  ambiguousCommit: { probability: number; untilMs: number } | undefined;

  constructor(
    readonly name: string,
    private readonly prng: Prng,
  ) {}

  setFault(fault: LinkFault | undefined): void {
    this.mode = fault?.mode ?? "ok";
    this.extraLatencyMs = fault?.extraLatencyMs ?? 0;
  }

  breakConnections(): void {
    this.epoch += 1;
    this.onBreak?.();
  }

  setAmbiguousCommits(probability: number | undefined): void {
    this.ambiguousCommit = probability === undefined ? undefined : { probability, untilMs: Number.POSITIVE_INFINITY };
  }

  latencyMs(): number {
    return this.prng.int(LINK_LATENCY_MS_MIN, LINK_LATENCY_MS_MAX) + (this.mode === "delay" ? this.extraLatencyMs : 0);
  }

  /** Decide (from this link's stream) whether a COMMIT reply is lost now. */
  loseCommitReply(nowMs: number): boolean {
    const fault = this.ambiguousCommit;
    if (!fault || nowMs > fault.untilMs) return false;
    return this.prng.chance(fault.probability);
  }
}

export class SimDatabase {
  private up = true;
  /** Bumped by a restart: every session opened before is gone. */
  private epoch = 0;
  private txOwner: Connection | undefined;
  private readonly waiting: Pending[] = [];
  private nextConnectionId = 1;
  private readonly subscribers = new Map<string, Array<{ link: Link; deliver: (payload: string) => void; onReconnect: (() => void) | undefined }>>();
  private readonly unlisteners: Array<() => Promise<void>> = [];
  statementsExecuted = 0;
  private readonly statements: PgliteStatements;

  /** The instance must have no prepared statements of a previous run (see resetSchema: DEALLOCATE ALL). */
  constructor(
    readonly pglite: PGlite,
    private readonly scheduler: Scheduler,
  ) {
    this.statements = new PgliteStatements(pglite);
  }

  get isUp(): boolean {
    return this.up;
  }

  connect(link: Link): Connection {
    return { id: this.nextConnectionId++, link, linkEpoch: link.epoch, serverEpoch: this.epoch, broken: false };
  }

  isBroken(conn: Connection): boolean {
    return conn.broken || conn.serverEpoch !== this.epoch || conn.linkEpoch !== conn.link.epoch;
  }

  /** A statement reaches the server. `done` is called once it ran (or failed), possibly later if it waited. */
  receive(conn: Connection, sql: Sql, done: Pending["done"]): Promise<void> {
    if (!this.up || this.isBroken(conn)) {
      done(new DatabaseUnavailableError(`simulated database: session ${conn.id} is gone`, { connection: conn.id }), []);
      return Promise.resolve();
    }
    this.waiting.push({ conn, sql, done });
    return this.drain();
  }

  /** The client side gave up on a connection: the server notices and rolls back its transaction. */
  async disconnect(conn: Connection): Promise<void> {
    conn.broken = true;
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const p = this.waiting[i]!;
      if (p.conn === conn) {
        this.waiting.splice(i, 1);
        p.done(new DatabaseUnavailableError(`simulated database: session ${conn.id} disconnected`, { connection: conn.id }), []);
      }
    }
    if (this.txOwner === conn) {
      this.txOwner = undefined;
      await this.scheduler.track(this.pglite.query("ROLLBACK"));
      this.scheduler.trace(`db rollback c${conn.id} (disconnected)`);
      await this.drain();
    }
  }

  /** A link broke its connections: roll back a transaction it held, and let the others go on. */
  noticeBrokenConnections(): Promise<void> {
    return this.drain();
  }

  /** Restart: every session dropped, open transactions rolled back, connections refused for downForMs. */
  async restart(downForMs: number): Promise<void> {
    this.epoch += 1;
    this.up = false;
    const dropped = this.waiting.splice(0);
    if (this.txOwner) {
      this.txOwner = undefined;
      await this.scheduler.track(this.pglite.query("ROLLBACK"));
    }
    for (const p of dropped) p.done(new DatabaseUnavailableError("simulated database restarting: session terminated", { connection: p.conn.id }), []);
    this.scheduler.trace(`db restart (down ${downForMs} ms, ${dropped.length} waiting statements dropped)`);
    const epoch = this.epoch;
    this.scheduler.after(downForMs, "db up", () => {
      if (this.up || this.epoch !== epoch) return;
      this.up = true;
      this.scheduler.trace("db up");
      for (const subs of this.subscribers.values()) {
        for (const s of subs) if (s.onReconnect) this.scheduler.after(LISTEN_RETRY_MS, `listen reconnect ${s.link.name}`, s.onReconnect);
      }
    });
  }

  /** Healing: a server still down comes back now. */
  heal(): void {
    if (this.up) return;
    this.up = true;
    this.scheduler.trace("db up (healed)");
    for (const subs of this.subscribers.values()) {
      for (const s of subs) if (s.onReconnect) this.scheduler.after(LISTEN_RETRY_MS, `listen reconnect ${s.link.name}`, s.onReconnect);
    }
  }

  /** End of the run: roll back any open transaction so the final state can be read directly. */
  async shutdown(): Promise<void> {
    this.up = false;
    this.epoch += 1;
    this.waiting.splice(0);
    if (this.txOwner) {
      this.txOwner = undefined;
      await this.scheduler.track(this.pglite.query("ROLLBACK"));
    }
    // The PGlite instance is reused by the next run: leave no listener of this one behind.
    for (const unlisten of this.unlisteners.splice(0)) await this.scheduler.track(unlisten());
    this.subscribers.clear();
  }

  /** LISTEN: deliver notifications on `channel` over `link` (lost while the link or the server is down). */
  async subscribe(channel: string, link: Link, deliver: (payload: string) => void, onReconnect: (() => void) | undefined): Promise<() => void> {
    let subs = this.subscribers.get(channel);
    if (!subs) {
      subs = [];
      this.subscribers.set(channel, subs);
      const list = subs;
      const unlisten = await this.scheduler.track(this.pglite.listen(channel, (payload) => {
        for (const s of list) {
          if (!this.up || s.link.mode === "drop" || s.link.mode === "reset") continue;
          this.scheduler.after(s.link.latencyMs(), `notify ${s.link.name}`, () => s.deliver(payload));
        }
      }));
      this.unlisteners.push(unlisten);
    }
    const entry = { link, deliver, onReconnect };
    subs.push(entry);
    return () => {
      const i = subs.indexOf(entry);
      if (i >= 0) subs.splice(i, 1);
    };
  }

  private draining = false;

  /** Run waiting statements in arrival order, except those blocked behind another connection's transaction. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        // A session whose connection broke (its link reset under it) is gone: the server rolls
        // back its transaction instead of letting everyone else wait behind it forever.
        if (this.txOwner && this.isBroken(this.txOwner)) {
          const owner = this.txOwner;
          this.txOwner = undefined;
          await this.scheduler.track(this.pglite.query("ROLLBACK"));
          this.scheduler.trace(`db rollback c${owner.id} (connection broken)`);
        }
        const i = this.waiting.findIndex((p) => this.txOwner === undefined || p.conn === this.txOwner);
        if (i < 0) break;
        const p = this.waiting.splice(i, 1)[0]!;
        if (!this.up || this.isBroken(p.conn)) {
          p.done(new DatabaseUnavailableError(`simulated database: session ${p.conn.id} is gone`, { connection: p.conn.id }), []);
          continue;
        }
        await this.execute(p);
      }
    } finally {
      this.draining = false;
    }
  }

  private async execute(p: Pending): Promise<void> {
    const text = p.sql.text.trim();
    const verb = text.slice(0, 8).toUpperCase();
    if (verb.startsWith("BEGIN")) this.txOwner = p.conn;
    this.statementsExecuted += 1;
    try {
      const rows = await this.scheduler.track(this.statements.query(p.sql));
      if (verb.startsWith("COMMIT") || verb.startsWith("ROLLBACK")) this.txOwner = undefined;
      this.scheduler.trace(`db c${p.conn.id} ${p.sql.name ?? verb.trim()} rows=${rows.length}`);
      p.done(undefined, rows);
    } catch (err) {
      if (verb.startsWith("COMMIT") || verb.startsWith("ROLLBACK")) this.txOwner = undefined;
      this.scheduler.trace(`db c${p.conn.id} ${p.sql.name ?? verb.trim()} error ${(err as { code?: string }).code ?? ""}`);
      p.done(translateDriverError(err, "simulated database"), []);
    }
  }
}

/** A connection pool with a capacity that a fault can shrink for a while. */
class Pool {
  inUse = 0;
  capacityOverride: { available: number; untilMs: number } | undefined;
  private readonly waiters: Array<{ grant: () => void; event: { cancelled: boolean } }> = [];

  constructor(
    private readonly capacity: number,
    private readonly scheduler: Scheduler,
    private readonly name: string,
  ) {}

  private get available(): number {
    const o = this.capacityOverride;
    if (o && this.scheduler.nowMs() < o.untilMs) return Math.min(o.available, this.capacity);
    return this.capacity;
  }

  acquire(): Promise<void> {
    if (this.inUse < this.available && this.waiters.length === 0) {
      this.inUse += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          this.scheduler.cancel(waiter.event as never);
          this.inUse += 1;
          resolve();
        },
        event: this.scheduler.after(POOL_WAIT_TIMEOUT_MS, `pool timeout ${this.name}`, () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new DatabaseUnavailableError(`timeout exceeded when trying to connect (${this.name}'s pool is exhausted)`, { pool: this.name }));
        }),
      };
      this.waiters.push(waiter);
    });
  }

  release(): void {
    this.inUse -= 1;
    this.grantWaiting();
  }

  /** Called when capacity may have grown (the exhaustion window ended). */
  grantWaiting(): void {
    while (this.waiters.length > 0 && this.inUse < this.available) this.waiters.shift()!.grant();
  }
}

/**
 * The SqlDriver port as one actor sees the simulated database: every
 * statement is a round trip over its link, through its pool.
 */
export class SimDriver implements EnvDriver {
  readonly kind = "pglite" as const;
  readonly description: string;
  readonly pool: Pool;
  private closed = false;
  private readonly open = new Set<Connection>();

  constructor(
    private readonly server: SimDatabase,
    readonly link: Link,
    private readonly scheduler: Scheduler,
    poolSize: number,
  ) {
    this.description = `simulated database via ${link.name}`;
    this.pool = new Pool(poolSize, scheduler, link.name);
  }

  async query<R extends Row = Row>(sql: Sql): Promise<R[]> {
    this.checkOpen();
    await this.pool.acquire();
    const conn = this.server.connect(this.link);
    this.open.add(conn);
    try {
      return (await this.roundTrip(conn, sql)) as R[];
    } finally {
      this.open.delete(conn);
      this.pool.release();
    }
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    this.checkOpen();
    await this.pool.acquire();
    const conn = this.server.connect(this.link);
    this.open.add(conn);
    try {
      await this.roundTrip(conn, { text: "BEGIN", values: [] });
      let value: T;
      try {
        value = await fn({ query: <R extends Row = Row>(sql: Sql) => this.roundTrip(conn, sql) as Promise<R[]> });
      } catch (err) {
        if (!this.server.isBroken(conn)) await this.roundTrip(conn, { text: "ROLLBACK", values: [] }).catch(() => {});
        throw err;
      }
      try {
        await this.roundTrip(conn, { text: "COMMIT", values: [] }, { commit: true });
      } catch (err) {
        if (err instanceof DatabaseUnavailableError) throw new CommitOutcomeUnknownError(err);
        throw err;
      }
      return value;
    } finally {
      this.open.delete(conn);
      this.pool.release();
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    const unsubscribe = await this.server.subscribe(channel, this.link, onNotify, onReconnect);
    return async () => unsubscribe();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  setPoolLimit(available: number | undefined): void {
    this.pool.capacityOverride = available === undefined ? undefined : { available, untilMs: Number.POSITIVE_INFINITY };
    this.pool.grantWaiting();
  }

  /** The process died: its sockets close, and the server rolls back whatever transaction it had open. */
  async abandon(): Promise<void> {
    this.closed = true;
    for (const conn of [...this.open]) await this.server.disconnect(conn);
    this.open.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw new DatabaseUnavailableError(`${this.link.name}: driver closed`, {});
  }

  /**
   * Send a statement and wait for its reply, as the network allows: delayed,
   * lost (noticed after DROP_DETECT_MS, the statement may have run), or reset.
   */
  private roundTrip(conn: ReturnType<SimDatabase["connect"]>, sql: Sql, options: { commit?: boolean } = {}): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      const link = this.link;
      const label = sql.name ?? sql.text.slice(0, 12);
      const fail = (why: string) => reject(new DatabaseUnavailableError(`${link.name}: ${why}`, { link: link.name }));
      const lost = (why: string) => {
        this.scheduler.after(DROP_DETECT_MS, `lost ${link.name}`, async () => {
          await this.server.disconnect(conn);
          fail(why);
        });
      };
      if (this.server.isBroken(conn)) return fail("connection broken");
      if (link.mode === "reset") {
        this.scheduler.after(link.latencyMs(), `reset ${link.name}`, async () => {
          await this.server.disconnect(conn);
          fail("connection reset by peer");
        });
        return;
      }
      if (link.mode === "drop") return lost(`request ${label} lost; connection timed out`);
      this.scheduler.after(link.latencyMs(), `${link.name} -> db ${label}`, () =>
        this.server.receive(conn, sql, (err, rows) => {
          // The reply travels back over the link as it is when the reply leaves.
          if (link.mode === "drop" || (link.mode as string) === "reset") {
            if (link.mode === "drop") return lost(`reply to ${label} lost; connection timed out`);
            this.scheduler.after(0, `reset ${link.name}`, async () => {
              await this.server.disconnect(conn);
              fail("connection reset by peer");
            });
            return;
          }
          this.scheduler.after(link.latencyMs(), `db -> ${link.name} ${label}`, () => {
            if (err) return reject(err);
            if (options.commit && link.loseCommitReply(this.scheduler.nowMs())) {
              this.scheduler.trace(`ambiguous commit ${link.name} c${conn.id}`);
              return reject(new CommitOutcomeUnknownError(new Error("simulated: COMMIT landed, its reply was lost")));
            }
            resolve(rows);
          });
        }),
      );
    });
  }
}
