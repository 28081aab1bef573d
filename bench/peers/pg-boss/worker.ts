/**
 * A pg-boss benchmark worker process. Its default consumer is the loop
 * pg-boss's fetch API is built for: fetch a batch (one statement), run every
 * job's handler, in the steps workload insert the successors (one
 * statement), then complete every id (one statement); `concurrency` such
 * loops per process. `consumer: work` uses pg-boss's own work() instead.
 * Started by the parent with its settings in the environment (see
 * ../graphile-worker/queue-processes.ts).
 */
import PgBoss from "pg-boss";
import { nextStep, type JobPayload } from "../graphile-worker/queue-protocol.ts";
import { runWorkerProcess, type JobTally } from "../graphile-worker/queue-tally.ts";
import { PGBOSS_QUEUE, type PgBossWorkerSettings } from "./options.ts";

/** The benchmark's handler: nothing to do but count. */
async function noop(_payload: JobPayload): Promise<void> {}

/** Runs a fetched batch's handlers and inserts the steps workload's successors; returns when they are durable. */
async function handleBatch(boss: PgBoss, jobs: PgBoss.Job<JobPayload>[], settings: PgBossWorkerSettings, tally: JobTally): Promise<void> {
  const startedAt = Date.now();
  for (const job of jobs) tally.started(job.data, startedAt);
  await Promise.all(jobs.map((job) => noop(job.data)));
  const successors: PgBoss.JobInsert<JobPayload>[] = [];
  for (const job of jobs) {
    const data = nextStep(job.data, settings.stepsDepth, Date.now());
    if (data) successors.push({ name: PGBOSS_QUEUE, data });
  }
  if (successors.length > 0) await boss.insert(successors);
}

runWorkerProcess<PgBossWorkerSettings>(async (settings, tally) => {
  const boss = new PgBoss({
    connectionString: settings.connectionString,
    schema: settings.schema,
    max: settings.max,
    // The parent created the schema; maintenance and cron would only add noise to a seconds-long window.
    migrate: false,
    supervise: false,
    schedule: false,
  });
  boss.on("error", (err) => process.stderr.write(`pg-boss error: ${err.message}\n`));
  await boss.start();
  const fetchOptions = { batchSize: settings.batchSize, priority: settings.priority };

  if (settings.consumer === "work") {
    for (let i = 0; i < settings.concurrency; i++) {
      await boss.work<JobPayload>(PGBOSS_QUEUE, { ...fetchOptions, pollingIntervalSeconds: settings.idlePollMs / 1000 }, async (jobs) => {
        await handleBatch(boss, jobs, settings, tally);
        // work() completes the batch after this returns, without waiting for it: out of sight here.
        for (const job of jobs) tally.finished(job.data, null);
      });
    }
    return () => boss.stop({ graceful: true, wait: true, timeout: 5_000 });
  }

  let stopping = false;
  let wake: (() => void) | null = null;
  const idle = (): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, settings.idlePollMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      const previous = wake;
      wake = () => {
        previous?.();
        done();
      };
    });
  const fetchLoop = async (): Promise<void> => {
    while (!stopping) {
      const jobs = await boss.fetch<JobPayload>(PGBOSS_QUEUE, fetchOptions);
      if (jobs.length === 0) {
        await idle();
        continue;
      }
      await handleBatch(boss, jobs, settings, tally);
      await boss.complete(
        PGBOSS_QUEUE,
        jobs.map((job) => job.id),
      );
      const completedAt = Date.now();
      for (const job of jobs) tally.finished(job.data, completedAt);
    }
  };
  const loops = Array.from({ length: settings.concurrency }, fetchLoop);
  return async () => {
    stopping = true;
    wake?.();
    await Promise.all(loops);
    await boss.stop({ graceful: false, close: true });
  };
});
