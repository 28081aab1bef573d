/**
 * `ratchet worker <module>`: run a worker until SIGINT/SIGTERM.
 *
 * The first signal starts a graceful shutdown (claim nothing more, let
 * running tasks finish within the grace period, release the rest so another
 * worker takes them at once), then closes the database and exits 0. A second
 * signal exits at once with 130: leases of tasks still running then expire
 * and the tasks are retried elsewhere (at-least-once delivery covers it).
 */
import {
  CLAIM_BATCH_MAX,
  CONNECTIONS_MAX,
  WORKER_ACTIVITY_CONCURRENCY_DEFAULT,
  WORKER_CLAIM_BATCH_DEFAULT,
  WORKER_CONCURRENCY_MAX,
  WORKER_CONNECTIONS_DEFAULT,
  WORKER_POLL_INTERVAL_MS_DEFAULT,
  WORKER_SHUTDOWN_GRACE_MS_DEFAULT,
  WORKER_WORKFLOW_CONCURRENCY_DEFAULT,
} from "../../limits.ts";
import { checkQueueName } from "../../names.ts";
import type { LogLevel } from "../../ports/logger.ts";
import { Worker } from "../../worker/worker.ts";
import { expectPositionals, usageError, type Flags } from "../args.ts";
import { IDENTITY_LENGTH_MAX, POLL_MS_MAX, SHUTDOWN_GRACE_MS_MAX } from "../cli-limits.ts";
import type { CommandContext, CommandSpec } from "../command.ts";
import { openStore } from "../database.ts";
import { EXIT } from "../exit-codes.ts";
import { LOG_LEVELS, StreamLogger } from "../logger.ts";
import { databaseFlags } from "../session.ts";
import { loadWorkerModule, type WorkerModule } from "../worker-module.ts";

const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;

export const workerCommand: CommandSpec = {
  name: "worker",
  summary: "run a worker for the workflows and activities a module exports",
  usage: "worker <module> [--queue QUEUE]... [--concurrency N] [--workflow-concurrency N] [--batch N] [--poll-ms N] [--no-listen] [--identity NAME] [--shutdown-grace-ms N] [--connections N] [--migrate] [--until-idle] [--log-level LEVEL]",
  options: {
    queue: { type: "string", multiple: true },
    concurrency: { type: "string" },
    "workflow-concurrency": { type: "string" },
    batch: { type: "string" },
    "poll-ms": { type: "string" },
    "no-listen": { type: "boolean" },
    identity: { type: "string" },
    "shutdown-grace-ms": { type: "string" },
    connections: { type: "string" },
    migrate: { type: "boolean" },
    "until-idle": { type: "boolean" },
    "log-level": { type: "string" },
  },
  flagHelp: [
    ["<module>", "file (relative to the current directory; .ts works) exporting `workflows` and/or `activities`, and optionally `taskQueue`"],
    ["--queue QUEUE", "task queue to poll; repeat for several (default: the module's `taskQueue` export)"],
    ["--concurrency N", `activities run at once (default ${WORKER_ACTIVITY_CONCURRENCY_DEFAULT})`],
    ["--workflow-concurrency N", `workflow tasks run at once (default ${WORKER_WORKFLOW_CONCURRENCY_DEFAULT})`],
    ["--batch N", `tasks claimed per query (default ${WORKER_CLAIM_BATCH_DEFAULT}, at most ${CLAIM_BATCH_MAX})`],
    ["--poll-ms N", `longest idle wait before polling again, in case a notification was lost (default ${WORKER_POLL_INTERVAL_MS_DEFAULT})`],
    ["--no-listen", "do not LISTEN for notifications; rely on polling alone (e.g. behind a transaction-mode pooler)"],
    ["--identity NAME", "this worker's name in logs and history (default worker-<random>)"],
    ["--shutdown-grace-ms N", `on SIGINT/SIGTERM, how long running tasks may finish before they are released (default ${WORKER_SHUTDOWN_GRACE_MS_DEFAULT})`],
    ["--connections N", `database pool size (default ${WORKER_CONNECTIONS_DEFAULT}, at most ${CONNECTIONS_MAX}; LISTEN uses one more)`],
    ["--migrate", "apply pending migrations before starting"],
    ["--until-idle", "run every task visible now, and what those make visible, then exit 0 (timers due later are left)"],
    ["--log-level LEVEL", "debug, info (default), warn or error"],
  ],
  notes:
    "Prints one line to stderr once polling (identity, queues, database without password). SIGINT or SIGTERM: graceful shutdown, exit 0.\n" +
    "A second signal: exit 130 at once. With --db pglite (in memory) the schema is migrated automatically and everything is lost on exit.",
  run: runWorker,
};

interface WorkerSettings {
  queues: string[];
  identity: string | undefined;
  maxConcurrentActivities: number | undefined;
  maxConcurrentWorkflowTasks: number | undefined;
  claimBatchSize: number | undefined;
  pollIntervalMs: number | undefined;
  shutdownGraceMs: number | undefined;
  listen: boolean | undefined;
  connections: number;
  logLevel: LogLevel;
}

async function runWorker(ctx: CommandContext): Promise<number> {
  const [moduleSpec] = expectPositionals("worker", ctx.flags, ["module"]);
  // Validate everything we can before importing user code or connecting.
  const partial = readSettings(ctx.flags);
  const { target, schema } = databaseFlags(ctx);
  const mod = await loadWorkerModule(moduleSpec, ctx.io.cwd, (text) => ctx.out.note(text));
  const settings = { ...partial, queues: resolveQueues(ctx.flags, mod) };
  const logger = new StreamLogger(ctx.io.stderr, settings.logLevel);

  const stop = listenForStopSignals(ctx);
  try {
    const ephemeral = target.kind === "pglite-memory";
    const opened = await openStore(target, schema, {
      connections: settings.connections,
      applicationName: `ratchet-worker${settings.identity === undefined ? "" : ` ${settings.identity}`}`,
      logger,
      // An in-memory database is always empty: migrating is the only way it can be used.
      migrate: ctx.flags.bool("migrate") || ephemeral,
    });
    try {
      const worker = new Worker({
        store: opened.store,
        taskQueue: settings.queues,
        workflows: mod.workflows,
        activities: mod.activities,
        logger,
        ...definedOnly({
          identity: settings.identity,
          maxConcurrentActivities: settings.maxConcurrentActivities,
          maxConcurrentWorkflowTasks: settings.maxConcurrentWorkflowTasks,
          claimBatchSize: settings.claimBatchSize,
          pollIntervalMs: settings.pollIntervalMs,
          shutdownGraceMs: settings.shutdownGraceMs,
          listen: settings.listen,
        }),
      });
      const where = `queue${settings.queues.length === 1 ? "" : "s"} ${settings.queues.join(", ")} at ${target.description}, schema ${schema}${ephemeral ? " (lost on exit)" : ""}`;
      const registered = `workflows: ${names(mod.workflows)}; activities: ${names(mod.activities)}`;
      if (ctx.flags.bool("until-idle")) {
        ctx.out.note(`ratchet worker ${worker.identity} running until idle on ${where}; ${registered}`);
        return await runUntilIdle(ctx, worker, stop);
      }
      await worker.start();
      ctx.out.note(`ratchet worker ${worker.identity} polling ${where}; ${registered}; Ctrl-C to stop`);
      return await runUntilSignalled(ctx, worker, stop, settings.shutdownGraceMs ?? WORKER_SHUTDOWN_GRACE_MS_DEFAULT);
    } finally {
      // After a forced exit the process ends right away; closing here could wait on in-flight work.
      if (!stop.forced) await opened.close();
    }
  } finally {
    stop.dispose();
  }
}

/** Poll until the first signal, then shut down gracefully, unless a second signal cuts that short. */
async function runUntilSignalled(ctx: CommandContext, worker: Worker, stop: StopSignals, graceMs: number): Promise<number> {
  const signal = await stop.first;
  ctx.out.note(`ratchet worker ${worker.identity}: ${signal}, shutting down (up to ${graceMs} ms grace; signal again to exit at once)`);
  const outcome = await Promise.race([worker.shutdown().then(() => "stopped" as const), stop.second.then(() => "forced" as const)]);
  if (outcome === "forced") {
    ctx.out.note(`ratchet worker ${worker.identity}: second signal, exiting without waiting; leases of running tasks will expire and they will be retried`);
    return EXIT.interrupted;
  }
  ctx.out.note(`ratchet worker ${worker.identity} stopped: ${statsLine(worker)}`);
  return EXIT.ok;
}

/** --until-idle: run what is visible now and what it makes visible, then exit. */
async function runUntilIdle(ctx: CommandContext, worker: Worker, stop: StopSignals): Promise<number> {
  const outcome = await Promise.race([worker.runUntilIdle().then(() => "idle" as const), stop.first]);
  if (outcome !== "idle") {
    // Step mode has no graceful stop: abandon its tasks, whose leases expire so they are retried.
    worker.kill();
    ctx.out.note(`ratchet worker ${worker.identity}: ${outcome} before idle; unfinished tasks will be retried after their leases expire`);
    return EXIT.interrupted;
  }
  ctx.out.note(`ratchet worker ${worker.identity} idle: ${statsLine(worker)}`);
  return EXIT.ok;
}

function readSettings(flags: Flags): Omit<WorkerSettings, "queues"> {
  const logLevel = flags.choice("log-level", LOG_LEVELS) ?? "info";
  return {
    identity: identityFlag(flags),
    maxConcurrentActivities: flags.integer("concurrency", 1, WORKER_CONCURRENCY_MAX),
    maxConcurrentWorkflowTasks: flags.integer("workflow-concurrency", 1, WORKER_CONCURRENCY_MAX),
    claimBatchSize: flags.integer("batch", 1, CLAIM_BATCH_MAX),
    pollIntervalMs: flags.integer("poll-ms", 1, POLL_MS_MAX),
    shutdownGraceMs: flags.integer("shutdown-grace-ms", 0, SHUTDOWN_GRACE_MS_MAX),
    listen: flags.bool("no-listen") ? false : undefined,
    connections: flags.integer("connections", 1, CONNECTIONS_MAX) ?? WORKER_CONNECTIONS_DEFAULT,
    logLevel,
  };
}

function identityFlag(flags: Flags): string | undefined {
  const identity = flags.string("identity");
  // eslint-disable-next-line no-control-regex
  if (identity !== undefined && (identity.length === 0 || identity.length > IDENTITY_LENGTH_MAX || /[\u0000-\u001f\u007f]/.test(identity))) {
    throw usageError(`invalid --identity ${JSON.stringify(identity)}: use 1-${IDENTITY_LENGTH_MAX} printable characters`, { flag: "--identity" });
  }
  return identity;
}

function resolveQueues(flags: Flags, mod: WorkerModule): string[] {
  const given = flags.strings("queue");
  if (given.length > 0) return [...new Set(given.map((q) => checkQueueName(q, "--queue")))];
  if (mod.taskQueue !== undefined) return [mod.taskQueue];
  throw usageError(`no task queue: pass --queue, or export \`taskQueue\` from ${mod.path}`, { flag: "--queue" });
}

interface StopSignals {
  first: Promise<string>;
  second: Promise<string>;
  readonly forced: boolean;
  dispose(): void;
}

/** Listen for SIGINT/SIGTERM from the start, so a signal during startup is not lost (nor fatal). */
function listenForStopSignals(ctx: CommandContext): StopSignals {
  let count = 0;
  let resolveFirst!: (s: string) => void;
  let resolveSecond!: (s: string) => void;
  const first = new Promise<string>((r) => (resolveFirst = r));
  const second = new Promise<string>((r) => (resolveSecond = r));
  const listeners = STOP_SIGNALS.map((name) => {
    const listener = () => {
      count += 1;
      if (count === 1) resolveFirst(name);
      else resolveSecond(name);
    };
    ctx.io.signals.on(name, listener);
    return { name, listener };
  });
  return {
    first,
    second,
    get forced() {
      return count >= 2;
    },
    dispose() {
      for (const { name, listener } of listeners) ctx.io.signals.off(name, listener);
    },
  };
}

function statsLine(worker: Worker): string {
  const s = worker.stats;
  return `${s.workflowTasksCompleted} workflow tasks, ${s.activitiesCompleted} activities completed (${s.activitiesFailed} failed, ${s.activityRetries} retries), ${s.timersFired} timers fired`;
}

function names(map: object): string {
  const keys = Object.keys(map).sort();
  return keys.length === 0 ? "none" : keys.join(", ");
}

function definedOnly<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
