/** `ratchet update`: send an update to a running workflow and print its answer. */
import { REQUEST_ID_CHARS_MAX, TIMEOUT_MS_MAX } from "../../limits.ts";
import { checkSignalName, checkText } from "../../names.ts";
import { checkFlag } from "../args.ts";
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { jsonPayloadFlag } from "../payload-flags.ts";
import { withClient } from "../session.ts";
import { workflowArgs } from "./run-flags.ts";

export const updateCommand: CommandSpec = {
  name: "update",
  summary: "update a running workflow (validated, applied by its handler) and print the handler's answer",
  usage: "update <workflowId> <name> [--args JSON] [--update-id ID] [--timeout-ms N] [--json]",
  options: { ...JSON_OPTION, args: { type: "string" }, "update-id": { type: "string" }, "timeout-ms": { type: "string" } },
  flagHelp: [
    ["--args JSON", "the update's argument, as JSON text (default null)"],
    ["--update-id ID", "makes it idempotent: asking again with the same id waits for the same answer and applies nothing twice"],
    ["--timeout-ms N", "stop waiting for the answer after N ms (the update may still be applied later)"],
    JSON_FLAG_HELP,
  ],
  jsonShape: '{"workflowId", "update", "updateId"?, "result"}   (updateId: when given)',
  notes:
    "Without --json the answer is printed alone on stdout as pretty JSON.\n" +
    "Exit 1 when the validator rejects it (UPDATE_REJECTED, nothing applied), the handler fails (UPDATE_FAILED),\n" +
    "the workflow does not exist or is not running, or no answer came within --timeout-ms (TIMEOUT).",
  async run(ctx) {
    const [workflowId, name] = workflowArgs("update", ctx.flags, ["workflowId", "name"]);
    checkFlag("<name>", () => checkSignalName(name, "update"));
    const args = jsonPayloadFlag(ctx.flags, "args", `arguments of update ${name}`);
    const given = ctx.flags.string("update-id");
    const updateId = given === undefined ? undefined : checkFlag("--update-id", () => checkText(given, "updateId", REQUEST_ID_CHARS_MAX));
    const timeoutMs = ctx.flags.integer("timeout-ms", 0, TIMEOUT_MS_MAX);
    const result = await withClient(ctx, (client) =>
      client.update(workflowId, name, args, { ...(updateId === undefined ? {} : { updateId }), ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
    );
    if (ctx.out.json) ctx.out.data({ workflowId, update: name, ...(updateId === undefined ? {} : { updateId }), result: result ?? null });
    else ctx.out.line(JSON.stringify(result ?? null, null, 2));
    return EXIT.ok;
  },
};
