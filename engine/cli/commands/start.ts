/** `ratchet start`: start a workflow run, optionally waiting for its outcome. */
import { assert } from "../../assert.ts";
import { TIMEOUT_MS_MAX } from "../../limits.ts";
import { checkQueueName, checkTypeName, checkWorkflowId } from "../../names.ts";
import { checkFlag, expectPositionals, usageError, type Flags } from "../args.ts";
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import type { CliIo } from "../io.ts";
import { outcomeExitCode, printOutcome, readOutcome } from "../outcome.ts";
import { jsonPayloadFile, jsonPayloadFlag } from "../payload-flags.ts";
import { withClient } from "../session.ts";

const IF_RUNNING = ["fail", "use-existing", "terminate-existing"] as const;
const IF_CLOSED = ["allow", "allow-failed-only", "reject"] as const;
const CONFLICT_POLICY = { fail: "fail", "use-existing": "useExisting", "terminate-existing": "terminateExisting" } as const;
const REUSE_POLICY = { allow: "allowDuplicate", "allow-failed-only": "allowDuplicateFailedOnly", reject: "rejectDuplicate" } as const;

export const startCommand: CommandSpec = {
  name: "start",
  summary: "start a workflow run",
  usage: "start <workflowType> --id ID --queue QUEUE [--input JSON | --input-file PATH] [--if-running fail|use-existing|terminate-existing] [--if-closed allow|allow-failed-only|reject] [--request-id ID] [--wait [--timeout-ms N]] [--json]",
  options: {
    ...JSON_OPTION,
    id: { type: "string" },
    queue: { type: "string" },
    input: { type: "string" },
    "input-file": { type: "string" },
    "if-running": { type: "string" },
    "if-closed": { type: "string" },
    "request-id": { type: "string" },
    wait: { type: "boolean" },
    "timeout-ms": { type: "string" },
  },
  flagHelp: [
    ["--id ID", "workflow id (required): at most one running run per id"],
    ["--queue QUEUE", "task queue its workflow tasks go to (required)"],
    ["--input JSON", "the workflow's input, as JSON text (default null)"],
    ["--input-file PATH", "read the input JSON from a file instead"],
    ["--if-running fail|use-existing|terminate-existing", "when a run with this id is running: fail (exit 1, the default), report that run, or terminate it and start"],
    ["--if-closed allow|allow-failed-only|reject", "when the id's latest run is closed: start anew (the default), only if it did not complete, or never (exit 1)"],
    ["--request-id ID", "idempotent start: repeated with the same request id, it reports the run the first created (created: false)"],
    ["--wait", "wait for the run to close and report its outcome, as `ratchet result` does"],
    ["--timeout-ms N", "with --wait: stop waiting after N ms (the run goes on; exit 1, status running)"],
    JSON_FLAG_HELP,
  ],
  jsonShape:
    '{"workflowId", "runId", "created": true}   (created: false when --if-running use-existing found a running run, or --request-id a run it created before)\n' +
    'with --wait, also "status" ("completed" | "failed" | "cancelled" | "terminated" | "running") and "result" (completed) or "failure" (failed: {type, message, code?, stack?, cause?, ...})',
  notes:
    "The input is validated (JSON, at most the payload limit) before connecting. With --wait, stdout carries only the outcome,\n" +
    "as with `ratchet result`, and the start is reported on stderr. Exit 1 when a run with this id is already running.",
  async run(ctx) {
    const [workflowType] = expectPositionals("start", ctx.flags, ["workflowType"]);
    checkFlag("<workflowType>", () => checkTypeName(workflowType, "workflowType"));
    const workflowId = required(ctx.flags, "id");
    checkFlag("--id", () => checkWorkflowId(workflowId));
    const taskQueue = checkQueueName(required(ctx.flags, "queue"), "--queue");
    const input = readInput(ctx.flags, ctx.io, workflowType);
    const idConflictPolicy = CONFLICT_POLICY[ctx.flags.choice("if-running", IF_RUNNING) ?? "fail"];
    const idReusePolicy = REUSE_POLICY[ctx.flags.choice("if-closed", IF_CLOSED) ?? "allow"];
    const requestId = ctx.flags.string("request-id");
    const wait = ctx.flags.bool("wait");
    const timeoutMs = ctx.flags.integer("timeout-ms", 0, TIMEOUT_MS_MAX);
    if (timeoutMs !== undefined && !wait) throw usageError("--timeout-ms only applies with --wait", { flag: "--timeout-ms" });

    return withClient(ctx, async (client) => {
      const handle = await client.start(workflowType, { workflowId, taskQueue, input, idConflictPolicy, idReusePolicy, ...(requestId === undefined ? {} : { requestId }) });
      const runId = handle.runId;
      // Client.start always pins the run; only getHandle() makes handles without one.
      assert(runId !== undefined, "Client.start returned a handle without a runId");
      const started = { workflowId, runId, created: handle.created };
      if (!wait) {
        if (ctx.out.json) ctx.out.data(started);
        else ctx.out.line(startedLine(workflowType, taskQueue, started));
        return EXIT.ok;
      }
      // With --wait, stdout carries only the outcome (as with `ratchet result`); the start goes to stderr.
      if (!ctx.out.json) ctx.out.note(startedLine(workflowType, taskQueue, started));
      const outcome = await readOutcome(client, workflowId, runId, { wait: true, timeoutMs });
      if (ctx.out.json) ctx.out.data({ ...started, ...outcome });
      else printOutcome(ctx.out, outcome);
      return outcomeExitCode(outcome);
    });
  },
};

function startedLine(workflowType: string, queue: string, s: { workflowId: string; runId: string; created: boolean }): string {
  return s.created
    ? `started ${workflowType} on ${queue}: workflowId ${s.workflowId}, runId ${s.runId}`
    : `already running: workflowId ${s.workflowId}, runId ${s.runId} (--if-running use-existing)`;
}

function required(flags: Flags, name: string): string {
  const value = flags.string(name);
  if (value === undefined) throw usageError(`\`ratchet start\` needs --${name}`, { flag: `--${name}` });
  return value;
}

/** The input from --input or --input-file (null when neither), validated before any connection is made. */
function readInput(flags: Flags, io: CliIo, workflowType: string): unknown {
  if (flags.string("input") !== undefined && flags.string("input-file") !== undefined) {
    throw usageError("pass --input or --input-file, not both", { flag: "--input-file" });
  }
  const purpose = `input of workflow ${workflowType}`;
  const fromFile = jsonPayloadFile(flags, "input-file", io.cwd, purpose);
  return fromFile.present ? fromFile.value : jsonPayloadFlag(flags, "input", purpose);
}
