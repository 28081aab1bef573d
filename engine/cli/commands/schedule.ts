/**
 * `ratchet schedule <create|describe|list|pause|unpause|trigger|backfill|delete>`:
 * schedules from the shell. Everything but the database is checked before
 * connecting (the engine's own validators, with the flag named).
 */
import type { ScheduleDescription, ScheduleOptions } from "../../client/schedules.ts";
import { OVERLAP_POLICIES, checkPolicies, checkScheduleSpec, type OverlapPolicy, type ScheduleSpec } from "../../schedule/spec.ts";
import { SCHEDULE_JITTER_MS_MAX, TIMEOUT_MS_MAX } from "../../limits.ts";
import { checkQueueName, checkTypeName, checkWorkflowId } from "../../names.ts";
import { checkFlag, usageError } from "../args.ts";
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { isoTime } from "../format/values.ts";
import { jsonPayloadFlag } from "../payload-flags.ts";
import { withClient } from "../session.ts";

const ACTIONS = ["create", "describe", "list", "pause", "unpause", "trigger", "backfill", "delete"] as const;
type Action = (typeof ACTIONS)[number];

export const scheduleCommand: CommandSpec = {
  name: "schedule",
  summary: "create, describe, list, pause, unpause, trigger, backfill and delete schedules",
  usage:
    "schedule create <id> --type TYPE --queue QUEUE (--cron EXPR | --every-ms N)... [--time-zone ZONE] [--jitter-ms N] [--input JSON] [--overlap POLICY] [--catchup-window-ms N] [--pause-on-failure] [--paused] [--note TEXT] [--json]\n" +
    "       schedule describe <id> [--json] | schedule list [--json]\n" +
    "       schedule pause <id> [--note TEXT] | schedule unpause <id> | schedule trigger <id> [--overlap POLICY] | schedule delete <id>\n" +
    "       schedule backfill <id> --start TIME --end TIME [--overlap POLICY] [--json]",
  options: {
    ...JSON_OPTION,
    type: { type: "string" },
    queue: { type: "string" },
    cron: { type: "string", multiple: true },
    "time-zone": { type: "string" },
    "jitter-ms": { type: "string" },
    "every-ms": { type: "string", multiple: true },
    input: { type: "string" },
    overlap: { type: "string" },
    "catchup-window-ms": { type: "string" },
    "pause-on-failure": { type: "boolean" },
    paused: { type: "boolean" },
    note: { type: "string" },
    start: { type: "string" },
    end: { type: "string" },
  },
  flagHelp: [
    ["--type TYPE, --queue QUEUE", "the workflow each fire starts, and its task queue (the workers of that queue run the schedule)"],
    ["--cron EXPR", "five-field cron expression, or @hourly, @daily...; repeatable"],
    ["--time-zone ZONE", "the IANA time zone the cron expressions read the clock in (default UTC), e.g. Europe/Berlin"],
    ["--every-ms N", "a fixed interval in milliseconds; repeatable, and combinable with --cron"],
    ["--jitter-ms N", "delay each fire by up to N ms (deterministic per schedule and fire time; less than the time to the next fire)"],
    ["--input JSON", "the workflow's input"],
    ["--overlap POLICY", `${OVERLAP_POLICIES.join(", ")} (default skip); for trigger, this fire's policy`],
    ["--catchup-window-ms N", "fires later than this after their time are missed (default one year)"],
    ["--pause-on-failure", "pause the schedule when a workflow it started fails"],
    ["--paused, --note TEXT", "create it paused; the note describe shows"],
    ["--start TIME, --end TIME", "backfill: run the fires in [start, end) now (ISO 8601 or epoch ms); a fire that already has a run is not run again"],
    JSON_FLAG_HELP,
  ],
  jsonShape:
    'create/pause/unpause/delete: {"scheduleId", "action"}; trigger: {"scheduleId", "started"} (started: {"workflowId", "runId"} or null); backfill: {"scheduleId", "fires", "alreadyStarted", "started", "notYetDue", "waiting"}; list: {"schedules": [{"scheduleId", "workflowType", "paused", "note", "upcoming"}], "nextPageToken"}; describe: {"scheduleId", "spec", "action", "policies", "paused", "note", "upcoming", "running", "buffered", "counts", "recent", "createdAtMs", "updatedAtMs"}',
  notes: "Exit 1 when the schedule does not exist (SCHEDULE_NOT_FOUND) or, for create, already exists (SCHEDULE_ALREADY_EXISTS).",
  async run(ctx) {
    const [action, id, ...extra] = ctx.flags.positionals;
    if (action === undefined || !(ACTIONS as readonly string[]).includes(action)) {
      throw usageError(`\`ratchet schedule\` needs one of ${ACTIONS.join(", ")} (see \`ratchet schedule --help\`)`, { action });
    }
    const verb = action as Action;
    const wantsId = verb !== "list";
    if (wantsId && id === undefined) throw usageError(`\`ratchet schedule ${verb}\` needs <id>`, { missing: ["id"] });
    if (extra.length > 0 || (!wantsId && id !== undefined)) throw usageError(`\`ratchet schedule ${verb}\` got unexpected argument(s)`, { unexpected: wantsId ? extra : [id, ...extra] });
    const scheduleId = wantsId ? checkFlag("<id>", () => checkWorkflowId(id)) : "";
    const overlap = ctx.flags.choice("overlap", OVERLAP_POLICIES);
    const note = ctx.flags.string("note");

    switch (verb) {
      case "create": {
        const options = createOptions(ctx.flags, overlap);
        await withClient(ctx, (client) => client.schedules.create(scheduleId, options));
        return done(ctx, scheduleId, verb, `created schedule ${scheduleId}`);
      }
      case "describe": {
        const d = await withClient(ctx, (client) => client.schedules.getHandle(scheduleId).describe());
        if (ctx.out.json) ctx.out.data(d);
        else printDescription(ctx.out, d);
        return EXIT.ok;
      }
      case "list": {
        const page = await withClient(ctx, (client) => client.schedules.list());
        if (ctx.out.json) ctx.out.data(page);
        else {
          for (const s of page.schedules) ctx.out.line(`${s.scheduleId}  ${s.workflowType}  ${s.paused ? `paused (${s.note})` : `next ${s.upcoming[0] === undefined ? "none" : isoTime(s.upcoming[0])}`}`);
          ctx.out.line(`${page.schedules.length} schedule${page.schedules.length === 1 ? "" : "s"}`);
        }
        return EXIT.ok;
      }
      case "pause":
      case "unpause": {
        await withClient(ctx, (client) => (verb === "pause" ? client.schedules.getHandle(scheduleId).pause(note) : client.schedules.getHandle(scheduleId).unpause(note)));
        return done(ctx, scheduleId, verb, `${verb}d schedule ${scheduleId}`);
      }
      case "trigger": {
        const started = await withClient(ctx, (client) => client.schedules.getHandle(scheduleId).trigger(overlap === undefined ? {} : { overlap }));
        if (ctx.out.json) ctx.out.data({ scheduleId, started });
        else ctx.out.line(started ? `started workflow ${started.workflowId} (run ${started.runId})` : "started nothing (the overlap policy skipped or buffered the fire)");
        return EXIT.ok;
      }
      case "backfill": {
        const range = { startAt: timeFlag(ctx.flags, "start"), endAt: timeFlag(ctx.flags, "end") };
        const result = await withClient(ctx, (client) => client.schedules.getHandle(scheduleId).backfill({ ...range, ...(overlap === undefined ? {} : { overlap }) }));
        if (ctx.out.json) ctx.out.data({ scheduleId, ...result });
        else {
          ctx.out.line(`backfilled ${result.fires} fire time${result.fires === 1 ? "" : "s"}: started ${result.started.length}, ${result.alreadyStarted} had run already, ${result.waiting} waiting, ${result.notYetDue} left to the schedule`);
          for (const w of result.started) ctx.out.line(`  started ${w.workflowId} (run ${w.runId})`);
        }
        return EXIT.ok;
      }
      case "delete": {
        await withClient(ctx, (client) => client.schedules.getHandle(scheduleId).delete());
        return done(ctx, scheduleId, verb, `deleted schedule ${scheduleId} (the workflows it started run on)`);
      }
    }
  },
};

function done(ctx: Parameters<CommandSpec["run"]>[0], scheduleId: string, action: Action, message: string): number {
  if (ctx.out.json) ctx.out.data({ scheduleId, action });
  else ctx.out.line(message);
  return EXIT.ok;
}

/** A required --start/--end: ISO 8601, or epoch milliseconds. */
function timeFlag(flags: Parameters<CommandSpec["run"]>[0]["flags"], name: "start" | "end"): number {
  const text = flags.string(name);
  if (text === undefined) throw usageError(`\`ratchet schedule backfill\` needs --${name}`, { missing: [`--${name}`] });
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms) || ms < 0) throw usageError(`invalid --${name} ${JSON.stringify(text)}: expected an ISO 8601 time or epoch milliseconds`, { flag: `--${name}`, value: text });
  return ms;
}

function createOptions(flags: Parameters<CommandSpec["run"]>[0]["flags"], overlap: OverlapPolicy | undefined): ScheduleOptions {
  const type = flags.string("type");
  const queue = flags.string("queue");
  if (type === undefined || queue === undefined) throw usageError("`ratchet schedule create` needs --type and --queue", { missing: [type === undefined ? "--type" : "--queue"] });
  const every = flags.strings("every-ms").map((text) => {
    const ms = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(ms)) throw usageError(`invalid --every-ms ${JSON.stringify(text)}: expected a whole number of milliseconds`, { flag: "--every-ms", value: text });
    return { everyMs: ms };
  });
  const timeZone = flags.string("time-zone");
  const jitterMs = flags.integer("jitter-ms", 0, SCHEDULE_JITTER_MS_MAX);
  const spec: ScheduleSpec = { cron: flags.strings("cron"), intervals: every, ...(timeZone === undefined ? {} : { timeZone }), ...(jitterMs === undefined ? {} : { jitterMs }) };
  checkFlag("--cron/--every-ms/--time-zone", () => checkScheduleSpec(spec));
  const catchup = flags.integer("catchup-window-ms", 0, TIMEOUT_MS_MAX);
  const policies = {
    ...(overlap === undefined ? {} : { overlap }),
    ...(catchup === undefined ? {} : { catchupWindowMs: catchup }),
    ...(flags.bool("pause-on-failure") ? { pauseOnFailure: true } : {}),
  };
  checkFlag("--catchup-window-ms", () => checkPolicies(policies));
  const input = jsonPayloadFlag(flags, "input", `input of scheduled workflow ${type}`);
  const note = flags.string("note");
  return {
    spec,
    action: { workflowType: checkFlag("--type", () => checkTypeName(type, "workflowType")), taskQueue: checkFlag("--queue", () => checkQueueName(queue)), input },
    policies,
    paused: flags.bool("paused"),
    ...(note === undefined ? {} : { note }),
  };
}

function printDescription(out: { line(text: string): void }, d: ScheduleDescription): void {
  const when = [...d.spec.cron.map((c) => `cron "${c}"`), ...d.spec.intervals.map((i) => `every ${i.everyMs} ms${i.offsetMs ? ` (+${i.offsetMs} ms)` : ""}`)].join(", ");
  out.line(`schedule ${d.scheduleId}: ${d.action.workflowType} on queue ${d.action.taskQueue}, ${when} (cron in ${d.spec.timeZone ?? "UTC"}${d.spec.jitterMs ? `, jitter up to ${d.spec.jitterMs} ms` : ""})`);
  out.line(`  policies: overlap ${d.policies.overlap}, catch-up window ${d.policies.catchupWindowMs} ms${d.policies.pauseOnFailure ? ", pause on failure" : ""}`);
  out.line(`  ${d.paused ? `paused: ${d.note}` : `next: ${d.upcoming.map(isoTime).join(", ") || "none"}`}`);
  out.line(`  started ${d.counts.actions}, skipped ${d.counts.skipped}, missed ${d.counts.missed}, refused ${d.counts.startFailed}, skipped while paused ${d.counts.skippedWhilePaused}; ${d.buffered.length} buffered`);
  for (const r of d.running) out.line(`  running: ${r.workflowId} (run ${r.runId})`);
  for (const r of d.recent) out.line(`  ${isoTime(r.atMs)}  fire ${isoTime(r.fireAtMs)}${r.manual ? " (trigger)" : ""}  ${r.workflowId}  ${r.runId ? `run ${r.runId}` : r.error}`);
}
