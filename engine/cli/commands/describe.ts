/** `ratchet describe`: a run's state, and why it is stuck if it is. */
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { describeLines } from "../format/describe.ts";
import { withClient } from "../session.ts";
import { RUN_FLAG_HELP, RUN_OPTION, runIdFlag, workflowArgs } from "./run-flags.ts";

export const describeCommand: CommandSpec = {
  name: "describe",
  summary: "show a run's status, pending activities and timers, and any task failure",
  usage: "describe <workflowId> [--run RUNID] [--json]",
  options: { ...JSON_OPTION, ...RUN_OPTION },
  flagHelp: [RUN_FLAG_HELP, JSON_FLAG_HELP],
  jsonShape:
    '{"workflowId", "runId", "workflowType", "taskQueue", "status", "createdAtMs", "closedAtMs", "historyLength", "cancelRequested",\n' +
    ' "result"? (completed), "failure"? (failed), "continuedAsRunId"? (continuedAsNew), "terminationReason"? (terminated), "taskFailure" (null, or why the workflow code cannot progress, e.g. NON_DETERMINISM),\n' +
    ' "workflowTask" (null | {"state": "pending"|"running"|"backingOff", "attempt", "visibleAtMs"}),\n' +
    ' "pendingActivities": [{"seq", "activityType", "taskQueue", "state": "scheduled"|"started"|"backingOff", "attempt", "maximumAttempts",\n' +
    '                        "nextAttemptAtMs", "leaseExpiresAtMs", "lastFailure", "heartbeatDetails"}],\n' +
    ' "pendingTimers": [{"seq", "fireAtMs"}], "searchAttributes" (null | {...}), "parent"? (a child\'s parent: {"workflowId", "runId", "seq", "closePolicy"}),\n' +
    ' "children": [{"workflowId", "runId", "workflowType", "status", "parentClosePolicy"}]}   (the engine\'s WorkflowDescription; times are epoch milliseconds)',
  async run(ctx) {
    const [workflowId] = workflowArgs("describe", ctx.flags, ["workflowId"]);
    const description = await withClient(ctx, (client) => client.describe(workflowId, runIdFlag(ctx.flags)));
    if (ctx.out.json) ctx.out.data(description);
    else for (const line of describeLines(description)) ctx.out.line(line);
    return EXIT.ok;
  },
};
