/**
 * A graphile-worker benchmark worker process: one graphile-worker pool
 * (`run()`) with the run's options, whose only task counts the job and, in
 * the steps workload, adds the job's successor. Started by the parent with
 * its settings in the environment (see queue-processes.ts).
 */
import { EventEmitter } from "node:events";
import { run, type Task, type WorkerEvents } from "graphile-worker";
import { nextStep, type JobPayload } from "./queue-protocol.ts";
import { runWorkerProcess } from "./queue-tally.ts";
import { GRAPHILE_TASK, quietLogger, type GraphileWorkerSettings } from "./options.ts";

runWorkerProcess<GraphileWorkerSettings>(async (settings, tally) => {
  const events = new EventEmitter() as WorkerEvents;
  // Ready only once LISTEN is in place: the latency workload relies on NOTIFY, not the poll.
  const listening = new Promise<void>((resolve) => events.once("pool:listen:success", () => resolve()));

  const task: Task = async (payload, helpers) => {
    const job = payload as JobPayload;
    tally.started(job, Date.now());
    const successor = nextStep(job, settings.stepsDepth, Date.now());
    if (successor) await helpers.addJob(GRAPHILE_TASK, successor);
    // graphile-worker completes the job after this returns (batched by completeJobBatchDelay), out of sight.
    tally.finished(job, null);
  };

  const runner = await run({
    connectionString: settings.connectionString,
    schema: settings.schema,
    concurrency: settings.concurrency,
    maxPoolSize: settings.maxPoolSize,
    pollInterval: settings.pollInterval,
    noHandleSignals: true,
    logger: quietLogger,
    events,
    taskList: { [GRAPHILE_TASK]: task },
    preset: {
      worker: {
        ...(settings.localQueueSize > 0 ? { localQueue: { size: settings.localQueueSize } } : {}),
        completeJobBatchDelay: settings.completeJobBatchDelay,
        failJobBatchDelay: settings.failJobBatchDelay,
      },
    },
  });
  await listening;
  return () => runner.stop();
});
