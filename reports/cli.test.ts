/**
 * `ratchet report`: exit 0 with the report written (to --out, or by default
 * to reports/out/<results file name> under the working directory), --title
 * used; exit 2 with a message naming the file and the field for a missing,
 * unparsable or malformed results file, and for bad arguments.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { reportMain } from "./cli.ts";
import { syntheticReport } from "./testing/synthetic-report.ts";

const scratch = mkdtempSync(join(tmpdir(), "ratchet-report-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function report(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await reportMain(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, cwd: scratch });
  return { code, stdout, stderr };
}

/** Write a results file into the scratch directory, after `mutate` has had its way with a good report. */
function resultsFile(name: string, mutate: (report: any) => void = () => {}): string {
  const value = syntheticReport();
  mutate(value);
  writeFileSync(join(scratch, name), JSON.stringify(value));
  return name;
}

describe("ratchet report: success", () => {
  it("writes the report to reports/out/<name> by default and lists the files", async () => {
    const { code, stdout, stderr } = await report(resultsFile("run-1.json"));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = join(scratch, "reports", "out", "run-1");
    for (const file of ["README.md", "index.html", "results.json", "throughput-steps.svg", "churn-size-ratchet.svg"]) expect(existsSync(join(out, file)), file).toBe(true);
    expect(stdout).toContain(`to ${join("reports", "out", "run-1")}:`);
    expect(stdout).toContain("  README.md\n");
  });

  it("writes to --out with --title", async () => {
    const { code } = await report(resultsFile("run-2.json"), "--out", "elsewhere", "--title", "Reference run on a 2-core machine");
    expect(code).toBe(0);
    expect(readFileSync(join(scratch, "elsewhere", "README.md"), "utf8").startsWith("# Reference run on a 2-core machine\n")).toBe(true);
  });

  it("prints help", async () => {
    const { code, stdout } = await report("--help");
    expect(code).toBe(0);
    expect(stdout).toContain("ratchet report <results.json> [--out DIR] [--title TEXT]");
  });
});

describe("ratchet report: bad input exits 2 and says what is wrong", () => {
  it.each([
    ["a missing file", () => "absent.json", "absent.json: cannot read the results file: no such file"],
    [
      "a file that is not JSON",
      () => {
        writeFileSync(join(scratch, "broken.json"), "{ not json");
        return "broken.json";
      },
      "broken.json: not valid JSON",
    ],
    [
      "a directory",
      () => {
        mkdirSync(join(scratch, "a-dir.json"), { recursive: true });
        return "a-dir.json";
      },
      "a-dir.json: cannot read the results file: it is a directory",
    ],
    ["a list where an object belongs", () => resultsFile("list.json", (r) => (r.machine = [])), "invalid machine: expected an object, got a list"],
    ["a wrongly typed number", () => resultsFile("fast.json", (r) => (r.results[3].perSecond = "fast")), 'invalid results[3].perSecond: expected a number, got "fast"'],
    ["a missing field", () => resultsFile("no-cpus.json", (r) => delete r.machine.cpus), "missing field machine.cpus: expected a number"],
    ["a missing list", () => resultsFile("no-results.json", (r) => delete r.results), "missing field results: expected a list"],
    ["a malformed target", () => resultsFile("target.json", (r) => (r.targets[1].met = "yes")), 'invalid targets[1].met: expected true, false or null, got "yes"'],
    ["a malformed churn sample", () => resultsFile("sample.json", (r) => (r.results[20].samples[2].tableBytes = null)), "invalid results[20].samples[2].tableBytes: expected a number, got null"],
    ["a malformed latency", () => resultsFile("latency.json", (r) => (r.results[0].scheduleToStartMs = 5)), "invalid results[0].scheduleToStartMs: expected latency percentiles"],
    ["a config value that is an object", () => resultsFile("config.json", (r) => (r.results[0].config.workers = { n: 1 })), "invalid results[0].config.workers: expected a string, number or boolean, got an object"],
    ["a non-string note", () => resultsFile("note.json", (r) => (r.results[0].notes = [1])), "invalid results[0].notes[0]: expected a string, got 1"],
  ])("%s", async (_what, setup, message) => {
    const { code, stderr, stdout } = await report(setup());
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(`ratchet report: `);
    expect(stderr).toContain(message);
  });

  it("a report that is not an object", async () => {
    writeFileSync(join(scratch, "number.json"), "42");
    const { code, stderr } = await report("number.json");
    expect(code).toBe(2);
    expect(stderr).toContain("number.json: invalid $: expected a benchmark report object");
  });

  it.each([
    ["no results file", [], "expected one results file, got none"],
    ["two results files", ["a.json", "b.json"], "expected one results file, got a.json b.json"],
    ["an unknown flag", ["x.json", "--colour"], "--colour"],
    ["a flag without its value", ["x.json", "--out"], "--out"],
  ])("%s", async (_what, argv, message) => {
    const { code, stderr } = await report(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
