/**
 * Where a simulated world runs. The world (workers, workload driver, faults,
 * recording) is the same in both; the environment supplies time, the
 * network, connection pools and the database:
 *
 * - PGlite (sim-environment.ts): virtual time on a deterministic scheduler,
 *   a modelled network and server over one in-process PGlite. The same seed
 *   gives the same trace, byte for byte.
 * - PostgreSQL (real/real-environment.ts): scaled real time, real concurrent
 *   sessions on a real server, faults made real (TCP proxies that delay,
 *   black-hole or reset, pg_terminate_backend). The same seed gives the same
 *   plan (workload, faults), not the same interleaving.
 */
import type { Clock, Row, Sql, SqlDriver } from "../engine/index.ts";

export type LinkFault = { mode: "delay" | "drop" | "reset"; extraLatencyMs: number };

/** The network between one actor (a worker, the workload driver, the recorder) and the database. */
export interface EnvLink {
  readonly name: string;
  /** Put a fault in force on the link, or none. */
  setFault(fault: LinkFault | undefined): void;
  /** Break every connection open on the link now (what a reset does). */
  breakConnections(): void;
  /** Lose COMMIT replies on this link with this probability (undefined: never). */
  setAmbiguousCommits(probability: number | undefined): void;
}

/** A connection pool over one link, as an engine SqlDriver, with the controls faults need. */
export interface EnvDriver extends SqlDriver {
  /** Shrink the pool to `available` connections (undefined: back to its size). */
  setPoolLimit(available: number | undefined): void;
  /** The process died: its sockets close, the server rolls back what it had open. */
  abandon(): Promise<void>;
}

/** A Clock whose reading a clock-skew fault can offset. */
export interface SkewableClock extends Clock {
  offsetMs: number;
}

export interface SimEnvironment {
  readonly database: "pglite" | "postgres";
  /** What the engine's clocks read at elapsed 0 (epoch ms). */
  readonly startEpochMs: number;
  elapsedMs(): number;
  /** Run `fn` at `elapsedMs` since the start (not before now). */
  at(elapsedMs: number, label: string, fn: () => void | Promise<void>): void;
  after(delayMs: number, label: string, fn: () => void | Promise<void>): void;
  trace(line: string): void;
  traceHash(): string;
  traceLog(): readonly string[];
  clock(owner: string): SkewableClock;
  link(name: string): EnvLink;
  driver(link: EnvLink, poolSize: number): EnvDriver;
  /** How replay waits for workflow code to block (the simulator's scheduler owns it on PGlite). */
  readonly settle: (() => Promise<void>) | undefined;
  /** Drop every session (open transactions roll back) and refuse connections for downForMs. */
  restartDatabase(downForMs: number): Promise<void>;
  /** If the database is still down, bring it back now. */
  healDatabase(): void;
  /** Let the world run until `untilElapsedMs`. */
  run(untilElapsedMs: number): Promise<void>;
  /** Stop: close every session, so the final state can be read directly. */
  shutdown(): Promise<void>;
  /** Read directly, past every fault (the checker's own view of the database). */
  read<R extends Row = Row>(sql: Sql): Promise<R[]>;
  /** Release what the environment holds (drivers, proxies). */
  close(): Promise<void>;
}
