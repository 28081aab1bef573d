// Proves the CLI's contract without any database: help lists every command,
// flag, exit code and JSON shape; bad input exits 2 with a message naming
// the field, and is rejected before any connection is attempted (the --db
// below is unreachable, which would be exit 3); a missing database is exit 2;
// errors are plain text on stderr, or one JSON document on stdout with --json.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PAYLOAD_BYTES_MAX } from "../limits.ts";
import { COMMANDS } from "./commands/index.ts";
import { EXIT } from "./exit-codes.ts";
import { FIXTURES, jsonOf, runCli } from "./fixtures/run-cli.ts";

/** Nothing listens on port 1: any attempt to connect would fail with exit 3, not 2. */
const UNREACHABLE = ["--db", "postgres://postgres@127.0.0.1:1/x"];

const scratch = mkdtempSync(join(tmpdir(), "ratchet-cli-main-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("help", () => {
  it.each([[[]], [["help"]], [["--help"]], [["-h"]]])("%j prints the full reference and exits 0", async (argv) => {
    const run = await runCli(argv);
    expect(run.code).toBe(EXIT.ok);
    for (const command of COMMANDS) expect(run.stdout).toContain(`ratchet ${command.usage}`);
    expect(run.stdout).toMatch(/exit codes:[\s\S]*\b0\s+success[\s\S]*\b1\s[\s\S]*\b2\s+bad input[\s\S]*\b3\s+database[\s\S]*130/);
    expect(run.stdout).toContain('{"workflowId", "runId", "events": [{"eventId", "type", "atMs", "data"}]}');
    expect(run.stdout).toContain('{"schema": "ratchet", "applied": [1], "version": 1}');
    expect(run.stdout).toContain('{"error": {"code"');
    expect(run.stdout).toContain("DATABASE_URL");
  });

  it("`help <command>` and `<command> --help` print that command's usage", async () => {
    const a = await runCli(["help", "start"]);
    const b = await runCli(["start", "--help"]);
    expect(a.code).toBe(EXIT.ok);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(/^usage: ratchet start <workflowType> --id ID --queue QUEUE/);
    expect(a.stdout).toContain("--if-running fail|use-existing");
    expect(a.stdout).not.toContain("ratchet history <workflowId>");
  });
});

describe("usage errors exit 2", () => {
  it("an unknown command", async () => {
    const run = await runCli(["frobnicate"]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toBe('ratchet: unknown command "frobnicate" (run `ratchet help` for the list)\n');
  });

  it("an unknown flag, named", async () => {
    const run = await runCli(["start", "greet", "--id", "a", "--queue", "q", "--frobnicate", ...UNREACHABLE]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toContain("unknown flag --frobnicate for `ratchet start`");
  });

  it("a flag missing its value", async () => {
    const run = await runCli(["describe", "wf", "--run"]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toContain("--run");
  });

  it("a missing or extra positional argument", async () => {
    expect((await runCli(["signal", "wf", ...UNREACHABLE])).stderr).toContain("`ratchet signal` needs <name>");
    expect((await runCli(["describe", "wf", "extra", ...UNREACHABLE])).stderr).toContain('unexpected argument(s): "extra"');
  });

  it("global flags may come before the command", async () => {
    const run = await runCli(["--db", "postgres://postgres@127.0.0.1:1/x", "start", "greet", "--id", "a", "--queue", "bad queue"]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toContain("invalid --queue");
  });
});

describe("bad input is rejected before connecting, naming the field", () => {
  const start = ["start", "greet", "--id", "order-1", "--queue", "q", ...UNREACHABLE];

  it("an invalid queue name", async () => {
    const run = await runCli(["start", "greet", "--id", "a", "--queue", "no spaces allowed", ...UNREACHABLE]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toMatch(/^ratchet: invalid --queue "no spaces allowed": use 1-200 characters/);
  });

  it("invalid --input JSON", async () => {
    const run = await runCli([...start, "--input", "{name: bob}"]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toMatch(/^ratchet: --input is not valid JSON/);
  });

  it("invalid --payload JSON for a signal", async () => {
    const run = await runCli(["signal", "wf", "go", "--payload", "nope", ...UNREACHABLE]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toMatch(/^ratchet: --payload is not valid JSON/);
  });

  it("an --input-file over the payload limit", async () => {
    const file = join(scratch, "big.json");
    writeFileSync(file, JSON.stringify({ blob: "x".repeat(PAYLOAD_BYTES_MAX) }));
    const run = await runCli([...start, "--input-file", file, "--json"]);
    expect(run.code).toBe(EXIT.badInput);
    const { error } = jsonOf(run);
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error.message).toContain(`--input-file ${file}`);
    expect(error.message).toContain(`over the limit of ${PAYLOAD_BYTES_MAX}`);
  });

  it("an --input-file too large to read at all", async () => {
    const file = join(scratch, "huge.json");
    writeFileSync(file, `"${"y".repeat(4 * PAYLOAD_BYTES_MAX + 1)}"`);
    const run = await runCli([...start, "--input-file", file]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toContain("files over");
  });

  it("a missing --input-file, and --input with --input-file", async () => {
    const missing = await runCli([...start, "--input-file", join(scratch, "absent.json")]);
    expect(missing.code).toBe(EXIT.badInput);
    expect(missing.stderr).toContain("ENOENT");
    const both = await runCli([...start, "--input", "1", "--input-file", "x.json"]);
    expect(both.stderr).toContain("pass --input or --input-file, not both");
  });

  it("an invalid schema name", async () => {
    const run = await runCli(["describe", "wf", "--schema", "Robert'); DROP TABLE", ...UNREACHABLE]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toMatch(/^ratchet: --schema: invalid schema name/);
  });

  it("an invalid workflow type, id, or --if-running", async () => {
    expect((await runCli(["start", "9lives", "--id", "a", "--queue", "q", ...UNREACHABLE])).stderr).toContain("<workflowType>: invalid workflowType");
    expect((await runCli(["start", "greet", "--id", "", "--queue", "q", ...UNREACHABLE])).stderr).toContain("--id: invalid workflowId");
    expect((await runCli([...start, "--if-running", "replace"])).stderr).toContain('invalid --if-running "replace": expected one of fail, use-existing');
  });

  it("numeric flags out of range", async () => {
    const run = await runCli(["worker", join(FIXTURES, "greeter.ts"), "--concurrency", "0", ...UNREACHABLE]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toContain('invalid --concurrency "0": expected a whole number from 1 to');
    expect((await runCli(["result", "wf", "--timeout-ms", "1.5", ...UNREACHABLE])).stderr).toContain('invalid --timeout-ms "1.5"');
    expect((await runCli(["worker", join(FIXTURES, "greeter.ts"), "--connections", "1000", ...UNREACHABLE])).stderr).toContain("--connections");
    expect((await runCli(["worker", join(FIXTURES, "greeter.ts"), "--identity", "", ...UNREACHABLE])).stderr).toContain("invalid --identity");
    expect((await runCli(["worker", join(FIXTURES, "greeter.ts"), "--log-level", "loud", ...UNREACHABLE])).stderr).toContain('invalid --log-level "loud"');
  });

  it("conflicting result flags; --timeout-ms on start without --wait", async () => {
    expect((await runCli(["result", "wf", "--no-wait", "--timeout-ms", "5", ...UNREACHABLE])).stderr).toContain("not both");
    expect((await runCli([...start, "--timeout-ms", "5"])).stderr).toContain("--timeout-ms only applies with --wait");
  });
});

describe("worker modules that cannot be used exit 2", () => {
  it.each([
    ["missing.ts", /worker module missing\.ts not found \(looked for .*missing\.ts\)/],
    ["no-exports.ts", /has no workflows or activities: export `workflows` and\/or `activities`/],
    ["bad-activities.ts", /activities\.hello is string, expected a function/],
    ["throws-on-import.ts", /cannot load worker module .*: fixture module failed to initialise/],
  ])("%s", async (file, message) => {
    const run = await runCli(["worker", file, ...UNREACHABLE], { cwd: FIXTURES });
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toMatch(message);
  });

  it("a module without taskQueue and no --queue", async () => {
    const file = join(scratch, "no-queue.ts");
    writeFileSync(file, "export const activities = { async ping() { return 'pong'; } };\n");
    const run = await runCli(["worker", file, ...UNREACHABLE]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toContain("no task queue: pass --queue, or export `taskQueue`");
  });
});

describe("the database", () => {
  it("is required: neither --db nor DATABASE_URL is exit 2", async () => {
    const run = await runCli(["describe", "wf"], { env: {} });
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toContain("set DATABASE_URL or pass --db");
  });

  it("an unrecognised target is exit 2, without echoing a password", async () => {
    const run = await runCli(["describe", "wf", "--db", "mysql://root:hunter2@localhost/x"]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toContain("expected postgres://");
    expect(run.stderr).not.toContain("hunter2");
  });

  it("an unreachable server is exit 3 with a clear message and no password", async () => {
    const run = await runCli(["describe", "wf"], { env: { DATABASE_URL: "postgres://postgres:hunter2@127.0.0.1:1/x" } });
    expect(run.code).toBe(EXIT.database);
    expect(run.stderr).toMatch(/^ratchet: cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x: .*ECONNREFUSED/);
    expect(run.stderr).not.toContain("hunter2");
  });

  it("a password in the query string is scrubbed too, in the --json error", async () => {
    const run = await runCli(["describe", "wf", "--json", "--db", "postgres://postgres@127.0.0.1:1/x?password=hunter2"]);
    expect(run.code).toBe(EXIT.database);
    const { error } = jsonOf(run);
    expect(error.code).toBe("DATABASE_UNAVAILABLE");
    expect(run.stdout).not.toContain("hunter2");
    expect(run.stderr).toBe("");
  });
});

describe("--json errors", () => {
  it("are one document on stdout with code, message and details; stderr stays empty", async () => {
    const run = await runCli(["start", "greet", "--id", "a", "--queue", "bad queue", "--json", ...UNREACHABLE]);
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toBe("");
    expect(jsonOf(run)).toEqual({
      error: { code: "INVALID_ARGUMENT", message: expect.stringContaining("invalid --queue"), details: { field: "--queue", value: "bad queue" } },
    });
  });

  it("cover usage errors found while parsing", async () => {
    const run = await runCli(["history", "wf", "--json", "--bogus"]);
    expect(run.code).toBe(EXIT.badInput);
    expect(jsonOf(run).error).toMatchObject({ code: "INVALID_ARGUMENT", details: { flag: "--bogus" } });
  });
});
