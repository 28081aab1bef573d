/**
 * The real-PostgreSQL environment: the same world on a real server, with
 * real concurrent sessions (one pg pool per worker), on scaled real time
 * (REAL_SPEEDUP virtual ms per real ms, so a 150 s scenario takes about 15 s).
 *
 * Faults are real: each link goes through its own TCP proxy (delay,
 * black-hole, reset), a database restart terminates every session of the
 * run with pg_terminate_backend and refuses connections for a while, a lost
 * COMMIT reply is a commit that landed and then raised COMMIT_OUTCOME_UNKNOWN,
 * and a crashed worker's sockets are cut so the server rolls back what it
 * had open. Reproducible by seed (the same workload and fault plan), not
 * byte for byte: the operating system schedules the rest.
 */
import { createHash } from "node:crypto";
import { CommitOutcomeUnknownError, DatabaseUnavailableError, PgDriver, type Row, type Sql, type SqlSession } from "../../engine/index.ts";
import type { EnvDriver, EnvLink, LinkFault, SimEnvironment, SkewableClock } from "../environment.ts";
import type { Prng } from "../prng.ts";
import { TcpProxy } from "./tcp-proxy.ts";

/** Virtual milliseconds per real millisecond. */
export const REAL_SPEEDUP = 10;
/** As in the PGlite model (sim-db.ts), in virtual ms. */
const DROP_DETECT_MS = 3_000;
const POOL_WAIT_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS_REAL = 2_000;

export class ScaledClock implements SkewableClock {
  offsetMs = 0;
  constructor(private readonly env: RealEnvironment) {}

  now(): number {
    return this.env.startEpochMs + this.env.elapsedMs() + this.offsetMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms) / REAL_SPEEDUP);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

class RealLink implements EnvLink {
  ambiguousCommitProbability: number | undefined;

  constructor(
    readonly name: string,
    readonly proxy: TcpProxy,
    readonly prng: Prng,
  ) {}

  setFault(fault: LinkFault | undefined): void {
    this.proxy.setMode(fault === undefined ? { kind: "ok" } : fault.mode === "delay" ? { kind: "delay", extraLatencyMs: fault.extraLatencyMs } : { kind: fault.mode });
  }

  breakConnections(): void {
    this.proxy.breakAll();
  }

  setAmbiguousCommits(probability: number | undefined): void {
    this.ambiguousCommitProbability = probability;
  }
}

/**
 * A pg pool through the link's proxy, with a pool limit and lost COMMIT
 * replies layered on. The pool is made on first use, once the proxy listens.
 */
class RealDriver implements EnvDriver {
  readonly kind = "postgres" as const;
  readonly description: string;
  private limit: number | undefined;
  private inUse = 0;
  private readonly waiters: Array<() => void> = [];
  private made: PgDriver | undefined;

  constructor(
    private readonly make: () => PgDriver,
    private readonly link: RealLink,
  ) {
    this.description = `postgres via ${link.name}`;
  }

  private get pg(): PgDriver {
    this.made ??= this.make();
    return this.made;
  }

  setPoolLimit(available: number | undefined): void {
    this.limit = available;
    this.grant();
  }

  async query<R extends Row = Row>(sql: Sql): Promise<R[]> {
    await this.acquire();
    try {
      return await this.pg.query<R>(sql);
    } finally {
      this.release();
    }
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      const value = await this.pg.transaction(fn);
      const p = this.link.ambiguousCommitProbability;
      if (p !== undefined && this.link.prng.chance(p)) throw new CommitOutcomeUnknownError(new Error("simulated: COMMIT landed, its reply was lost"));
      return value;
    } finally {
      this.release();
    }
  }

  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    return this.pg.listen(channel, onNotify, onReconnect);
  }

  async abandon(): Promise<void> {
    this.link.breakConnections();
    await this.made?.close().catch(() => {});
  }

  async close(): Promise<void> {
    await this.made?.close();
  }

  private acquire(): Promise<void> {
    if (this.limit === undefined || this.inUse < this.limit) {
      this.inUse += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        this.inUse += 1;
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new DatabaseUnavailableError(`timeout exceeded when trying to connect (${this.link.name}'s pool is exhausted)`, { pool: this.link.name }));
      }, POOL_WAIT_TIMEOUT_MS / REAL_SPEEDUP);
      this.waiters.push(grant);
    });
  }

  private release(): void {
    this.inUse -= 1;
    this.grant();
  }

  private grant(): void {
    while (this.waiters.length > 0 && (this.limit === undefined || this.inUse < this.limit)) this.waiters.shift()!();
  }
}

export class RealEnvironment implements SimEnvironment {
  readonly database = "postgres" as const;
  readonly startEpochMs: number;
  readonly settle = undefined;
  /** Real time (performance.now) at elapsed 0; set when run() starts, after every proxy listens. */
  private startedReal: number | undefined;
  /** Events scheduled before the run started, as [elapsed ms, fn]. */
  private readonly beforeStart: Array<[number, () => void | Promise<void>]> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly proxies: TcpProxy[] = [];
  private readonly drivers: PgDriver[] = [];
  private readonly hash = createHash("sha256");
  private failure: unknown;
  private stopped = false;
  private readonly target: { host: string; port: number };
  private readonly appPrefix: string;

  private constructor(
    private readonly url: string,
    private readonly admin: PgDriver,
    schema: string,
    private readonly prng: Prng,
    wallEpochMs: number,
  ) {
    const parsed = new URL(url);
    this.target = { host: parsed.hostname, port: Number(parsed.port || 5432) };
    this.appPrefix = `ratchet-sim-${schema}`;
    this.startEpochMs = wallEpochMs;
  }

  /** `wallEpochMs`: the engine's clocks start at this epoch time (the real date, so real-time logs read right). */
  static async open(url: string, schema: string, prng: Prng, wallEpochMs: number): Promise<RealEnvironment> {
    const admin = new PgDriver({ connectionString: url, maxConnections: 2, applicationName: `ratchet-sim-admin-${schema}` });
    await admin.ping();
    return new RealEnvironment(url, admin, schema, prng, wallEpochMs);
  }

  elapsedMs(): number {
    return this.startedReal === undefined ? 0 : Math.floor((performance.now() - this.startedReal) * REAL_SPEEDUP);
  }

  at(elapsedMs: number, label: string, fn: () => void | Promise<void>): void {
    if (this.startedReal === undefined) {
      this.beforeStart.push([elapsedMs, fn]);
      return;
    }
    this.after(elapsedMs - this.elapsedMs(), label, fn);
  }

  after(delayMs: number, label: string, fn: () => void | Promise<void>): void {
    if (this.stopped) return;
    if (this.startedReal === undefined) {
      this.beforeStart.push([Math.max(0, delayMs), fn]);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      try {
        const outcome = fn();
        if (outcome instanceof Promise) outcome.catch((err: unknown) => (this.failure ??= err));
      } catch (err) {
        this.failure ??= err;
      }
    }, Math.max(0, delayMs) / REAL_SPEEDUP);
    this.timers.add(timer);
  }

  trace(line: string): void {
    this.hash.update(`${this.elapsedMs()} ${line}\n`);
  }

  traceHash(): string {
    return this.hash.copy().digest("hex");
  }

  traceLog(): readonly string[] {
    return [];
  }

  clock(_owner: string): SkewableClock {
    return new ScaledClock(this);
  }

  link(name: string): EnvLink {
    const proxy = new TcpProxy(name, this.target, { realMsPerVirtualMs: 1 / REAL_SPEEDUP, dropDetectMs: DROP_DETECT_MS });
    this.proxies.push(proxy);
    const link = new RealLink(name, proxy, this.prng.child(`link:${name}`));
    // The proxy listens before first use: drivers connect lazily, and listen() is quick.
    this.pendingListens.push(proxy.listen());
    return link;
  }

  private readonly pendingListens: Array<Promise<void>> = [];

  /** Wait until every link's proxy listens (call after creating links, before running). */
  async ready(): Promise<void> {
    await Promise.all(this.pendingListens.splice(0));
  }

  driver(link: EnvLink, poolSize: number): EnvDriver {
    const real = link as RealLink;
    return new RealDriver(() => {
      if (real.proxy.port === 0) throw new Error(`link ${link.name}: proxy not listening yet`);
      const proxied = new URL(this.url);
      proxied.hostname = "127.0.0.1";
      proxied.port = String(real.proxy.port);
      const pg = new PgDriver({
        connectionString: proxied.toString(),
        maxConnections: poolSize,
        applicationName: `${this.appPrefix}-${link.name}`,
        connectTimeoutMs: CONNECT_TIMEOUT_MS_REAL,
        clock: new ScaledClock(this),
      });
      this.drivers.push(pg);
      return pg;
    }, real);
  }

  async restartDatabase(downForMs: number): Promise<void> {
    for (const proxy of this.proxies) proxy.setRefusing(true);
    await this.admin.query({
      text: "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE $1",
      values: [`${this.appPrefix}-%`],
    });
    for (const proxy of this.proxies) proxy.breakAll();
    this.after(downForMs, "db up", () => this.healDatabase());
  }

  healDatabase(): void {
    for (const proxy of this.proxies) proxy.setRefusing(false);
  }

  async run(untilElapsedMs: number): Promise<void> {
    await this.ready();
    if (this.startedReal === undefined) {
      this.startedReal = performance.now();
      for (const [atMs, fn] of this.beforeStart.splice(0)) this.after(atMs, "scheduled before start", fn);
    }
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const remaining = untilElapsedMs - this.elapsedMs();
      if (remaining <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(remaining / REAL_SPEEDUP, 100)));
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const proxy of this.proxies) proxy.breakAll();
  }

  read<R extends Row = Row>(sql: Sql): Promise<R[]> {
    return this.admin.query<R>(sql);
  }

  async close(): Promise<void> {
    await Promise.all(this.drivers.map((d) => d.close().catch(() => {})));
    await Promise.all(this.proxies.map((p) => p.close()));
    await this.admin.close();
  }
}

