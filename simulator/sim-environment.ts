/**
 * The deterministic environment: virtual time on the Scheduler, a modelled
 * network and server (sim-db.ts) over one in-process PGlite instance.
 */
import type { PGlite } from "@electric-sql/pglite";
import type { Row, Sql } from "../engine/index.ts";
import type { EnvDriver, EnvLink, SimEnvironment, SkewableClock } from "./environment.ts";
import type { Prng } from "./prng.ts";
import { Scheduler } from "./scheduler.ts";
import { Link, SimDatabase, SimDriver } from "./sim-db.ts";
import { VirtualClock } from "./virtual-clock.ts";

/** Virtual time starts here (a fixed instant, so runs do not depend on the day they run). */
export const SIM_START_EPOCH_MS = Date.UTC(2030, 0, 1);

export class PgliteSimEnvironment implements SimEnvironment {
  readonly database = "pglite" as const;
  readonly startEpochMs = SIM_START_EPOCH_MS;
  readonly scheduler: Scheduler;
  readonly server: SimDatabase;
  readonly settle: () => Promise<void>;

  constructor(
    private readonly pglite: PGlite,
    private readonly prng: Prng,
    options: { keepTrace?: boolean } = {},
  ) {
    this.scheduler = new Scheduler(SIM_START_EPOCH_MS, { keepTrace: options.keepTrace ?? false });
    this.server = new SimDatabase(pglite, this.scheduler);
    this.settle = () => this.scheduler.yield("settle");
  }

  elapsedMs(): number {
    return this.scheduler.elapsedMs();
  }

  at(elapsedMs: number, label: string, fn: () => void | Promise<void>): void {
    this.scheduler.at(SIM_START_EPOCH_MS + elapsedMs, label, fn);
  }

  after(delayMs: number, label: string, fn: () => void | Promise<void>): void {
    this.scheduler.after(delayMs, label, fn);
  }

  trace(line: string): void {
    this.scheduler.trace(line);
  }

  traceHash(): string {
    return this.scheduler.traceHash;
  }

  traceLog(): readonly string[] {
    return this.scheduler.traceLog;
  }

  clock(owner: string): SkewableClock {
    return new VirtualClock(this.scheduler, owner);
  }

  link(name: string): EnvLink {
    const link = new Link(name, this.prng.child(`link:${name}`));
    link.onBreak = () => this.scheduler.after(0, `server notices ${name} reset`, () => this.server.noticeBrokenConnections());
    return link;
  }

  driver(link: EnvLink, poolSize: number): EnvDriver {
    return new SimDriver(this.server, link as Link, this.scheduler, poolSize);
  }

  restartDatabase(downForMs: number): Promise<void> {
    return this.server.restart(downForMs);
  }

  healDatabase(): void {
    this.server.heal();
  }

  run(untilElapsedMs: number): Promise<void> {
    return this.scheduler.runUntil(SIM_START_EPOCH_MS + untilElapsedMs);
  }

  shutdown(): Promise<void> {
    return this.server.shutdown();
  }

  async read<R extends Row = Row>(sql: Sql): Promise<R[]> {
    return (await this.pglite.query<R>(sql.text, sql.values as unknown[])).rows;
  }

  async close(): Promise<void> {}
}
