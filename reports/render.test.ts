/**
 * renderReport and writeReport on a synthetic run with every kind of data:
 * the markdown opens with the command, has a row for every target and a
 * plain sentence for each one not met, one table per workload, and chart
 * references that all exist among the charts (and every chart referenced);
 * each chart is well-formed SVG with its series and axis labels; the HTML
 * holds the same content with the SVGs inline; missing data gives no chart
 * rather than a broken one; text from the results cannot break a table; the
 * same input renders to the same bytes; writeReport writes every file.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BenchReport, Result } from "../bench/model.ts";
import { renderReport, writeReport } from "./render.ts";
import { syntheticReport } from "./testing/synthetic-report.ts";
import { xmlProblems } from "./testing/well-formed-xml.ts";

const scratch = mkdtempSync(join(tmpdir(), "ratchet-report-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const report = syntheticReport();
const rendered = renderReport(report);
const { markdown } = rendered;

function chart(file: string): string {
  const found = rendered.charts.find((c) => c.file === file);
  expect(found, `chart ${file} among ${rendered.charts.map((c) => c.file).join(", ")}`).toBeDefined();
  return found!.svg;
}

/** Markdown tables: runs of lines starting with `|`, each as its lines. */
function tables(md: string): string[][] {
  const found: string[][] = [];
  let current: string[] = [];
  for (const line of md.split("\n")) {
    if (line.startsWith("|")) current.push(line);
    else if (current.length > 0) {
      found.push(current);
      current = [];
    }
  }
  if (current.length > 0) found.push(current);
  return found;
}

/** Cells of a table row, honouring `\|` escapes. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function withResults(results: Result[], overrides: Partial<BenchReport> = {}): BenchReport {
  return { ...syntheticReport(), results, ...overrides };
}

describe("the markdown", () => {
  it("opens with the title and says, before the targets, the command that produced it", () => {
    expect(markdown.startsWith("# Ratchet benchmarks, 2025-06-01\n")).toBe(true);
    const command = markdown.indexOf("```sh\nnpx ratchet bench all --json --db postgres://localhost/bench > results.json\n```");
    expect(command).toBeGreaterThan(0);
    expect(command).toBeLessThan(markdown.indexOf("## Targets"));
  });

  it("takes its title from the options", () => {
    expect(renderReport(report, { title: "Reference run" }).markdown.startsWith("# Reference run\n")).toBe(true);
  });

  it("has a row for every target with its outcome", () => {
    const rows = tables(markdown).find((t) => t[0]!.startsWith("| target |"))!;
    expect(rows).toHaveLength(2 + report.targets.length);
    const outcomes = rows.slice(2).map((row) => cells(row)[4]);
    expect(outcomes).toEqual(["met", "met", "**NOT met**", "**NOT met**", "not measured"]);
    for (const target of report.targets) expect(markdown).toContain(`| ${target.name} |`);
  });

  it("says plainly, below the table, which targets are not met and by how much", () => {
    expect(markdown).toContain("2 of 5 targets met, 2 not met, 1 not measured.");
    expect(markdown).toContain(
      "**Target not met: fanout vs graphile-worker.** It requires ratchet tasks/s >= 1.0 x graphile-worker tasks/s; this run measured 0.84× where at least 1× is required.",
    );
    expect(markdown).toContain("**Target not met: backlog 1M.**");
    expect(markdown).not.toContain("Target not met: steps vs dbos");
    expect(markdown).toContain("Not measured: one-activity vs dbos");
    expect(markdown.indexOf("Target not met")).toBeGreaterThan(markdown.indexOf("| target |"));
  });

  it("has one results table per workload, with the knobs that vary as columns and the rest in a note", () => {
    const workloads = [...new Set(report.results.map((r) => r.workload))];
    const resultTables = tables(markdown).filter((t) => t[0]!.startsWith("| system |"));
    expect(resultTables).toHaveLength(workloads.length);
    for (const workload of workloads) expect(markdown).toContain(`\n### ${workload}\n`);

    const steps = resultTables[0]!;
    expect(cells(steps[0]!)).toEqual([
      "system",
      "workers",
      "batch",
      "concurrency",
      "localQueueSize",
      "per second",
      "vs ratchet",
      "s2s p50",
      "s2s p95",
      "s2s p99",
      "e2e p50",
      "e2e p99",
      "commits/unit",
      "WAL/unit",
      "Node CPU",
      "notes",
    ]);
    expect(steps).toHaveLength(2 + report.results.filter((r) => r.workload === "steps").length);
    expect(steps).toContain("| ratchet | 8 | 100 | 80 | — | 10.4k steps/s | 1× | 2.10 ms | 6.40 ms | 12.8 ms | 4.50 ms | 25.0 ms | 1.2 | 1.86 KiB | 33% |  |");
    expect(markdown).toContain("Same in every run: workers 4.");
    expect(markdown).toContain("Same in every run: durationMs 55 min.");
  });

  it("keeps a pipe in a note inside its cell", () => {
    const fanout = tables(markdown).filter((t) => t[0]!.startsWith("| system |"))[1]!;
    const pgBoss = fanout.find((row) => row.startsWith("| pg-boss"))!;
    expect(cells(pgBoss)).toHaveLength(cells(fanout[0]!).length);
    expect(pgBoss).toContain("connection limit \\| 100 reached");
  });

  it("has the micro-benchmarks, machine, versions and settings", () => {
    expect(markdown).toContain("| claim 10 | postgres | 2.45k | 0.41 ms | 1.20 ms | 0.25× | 2k |");
    expect(markdown).toContain("| CPUs | 2 |");
    expect(markdown).toContain("| `graphile-worker` | 0.17.3 |");
    expect(markdown).toContain("| `shared_buffers` | 128MB |");
  });

  it("puts its sections in order", () => {
    const order = ["## Command", "## Targets", "## Results", "## Charts", "## Micro-benchmarks", "## Machine, versions and settings"].map((h) => markdown.indexOf(`\n${h}\n`));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("references every chart once, and only charts that exist", () => {
    const references = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(references.sort()).toEqual(rendered.charts.map((c) => c.file).sort());
  });
});

describe("the charts", () => {
  it("are well-formed SVG, each with a title", () => {
    for (const c of rendered.charts) {
      expect(xmlProblems(c.svg), c.file).toEqual([]);
      expect(c.svg, c.file).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(c.svg, c.file).toContain(`<title>`);
    }
  });

  it("have a throughput bar chart per workload with more than one result, labelled with values and ratios", () => {
    const files = rendered.charts.map((c) => c.file).filter((f) => f.startsWith("throughput-"));
    expect(files).toEqual(["throughput-steps.svg", "throughput-fanout.svg", "throughput-latency.svg", "throughput-backlog.svg"]);
    const steps = chart("throughput-steps.svg");
    for (const text of ["10.4k · 1×", "14k · 1.3×", "870 · 0.084×", "dbos", "steps/s", "workers 8, batch 100, concurrency 80"]) expect(steps).toContain(text);
  });

  it("plot throughput against workers, batch size and backlog, a line per system", () => {
    const workers = chart("steps-vs-workers.svg");
    for (const text of ["ratchet · batch 100", "graphile-worker", "worker processes", "steps/s"]) expect(workers).toContain(text);
    // dbos ran one worker count only: no line.
    expect(workers).not.toContain("dbos");
    const batch = chart("steps-vs-batch.svg");
    for (const text of ["ratchet · workers 4, concurrency 40", "claim batch size"]) expect(batch).toContain(text);
    expect(batch).not.toContain("graphile-worker");
    const backlog = chart("backlog-vs-backlog.svg");
    for (const text of [">ratchet<", ">pg-boss<", "tasks already waiting (backlog)", ">1M<", ">100k<", "workflows/s"]) expect(backlog).toContain(text);
  });

  it("show latency percentiles per system", () => {
    const svg = chart("latency-schedule-to-start.svg");
    for (const text of [">p50<", ">p95<", ">p99<", ">ratchet<", ">graphile-worker<", ">pg-boss<", "schedule-to-start (ms)"]) expect(svg).toContain(text);
  });

  it("show table, index size and dead tuples over a churn run", () => {
    const size = chart("churn-size-ratchet.svg");
    for (const text of [">table<", ">indexes<", "minutes since start", "size on disk", "MiB"]) expect(size).toContain(text);
    const dead = chart("churn-dead-tuples-ratchet.svg");
    for (const text of [">dead tuples<", "minutes since start"]) expect(dead).toContain(text);
    expect(markdown).toContain("| ratchet | 55 min | 8 MiB → 12.3 MiB | 1.5× | 2 MiB → 3.61 MiB | 1.8× | 18.5k | 3 | 66 |");
  });
});

describe("missing data", () => {
  it("gives no chart, and no Charts section, when nothing supports one", () => {
    const bare = renderReport(
      withResults([
        {
          ...syntheticReport().results.find((r) => r.workload === "latency")!,
          scheduleToStartMs: null,
        },
        { ...syntheticReport().results.find((r) => r.workload === "churn")!, samples: [syntheticReport().results.find((r) => r.workload === "churn")!.samples![0]!] },
        { ...syntheticReport().results.find((r) => r.workload === "commits")! },
      ]),
    );
    expect(bare.charts).toEqual([]);
    expect(bare.markdown).not.toContain("## Charts");
    expect(bare.markdown).not.toContain("![");
  });

  it("renders a run with no results, micro-benchmarks or targets", () => {
    const empty = renderReport(withResults([], { micro: [], targets: [], versions: {}, settings: {} }));
    expect(empty.charts).toEqual([]);
    for (const text of ["No throughput results were recorded", "No targets were evaluated", "No micro-benchmarks were run", "No versions were recorded", "No settings were recorded"]) {
      expect(empty.markdown).toContain(text);
    }
  });

  it("draws a system the palette does not know, with its name escaped", () => {
    const odd = renderReport(
      withResults([
        { ...syntheticReport().results[0]!, system: "acme<queue> & co" as Result["system"] },
        { ...syntheticReport().results[1]!, system: "acme<queue> & co" as Result["system"] },
      ]),
    );
    for (const c of odd.charts) expect(xmlProblems(c.svg), c.file).toEqual([]);
    expect(odd.charts.map((c) => c.file)).toContain("throughput-steps.svg");
    expect(odd.html).toContain("acme&lt;queue&gt; &amp; co");
  });
});

describe("the HTML page", () => {
  it("holds the same content with every chart inline", () => {
    expect(rendered.html.startsWith("<!doctype html>")).toBe(true);
    expect(rendered.html).toContain("<title>Ratchet benchmarks, 2025-06-01</title>");
    for (const c of rendered.charts) expect(rendered.html).toContain(c.svg);
    expect(rendered.html).not.toContain("![");
    expect(rendered.html).toContain("<strong>NOT met</strong>");
    expect(rendered.html).toContain("<strong>Target not met: fanout vs graphile-worker.</strong>");
    expect(rendered.html).toContain("npx ratchet bench all --json --db postgres://localhost/bench &gt; results.json");
    expect(rendered.html.match(/<table>/g)).toHaveLength(tables(markdown).length);
  });
});

describe("determinism", () => {
  it("renders the same input to the same bytes", () => {
    const again = renderReport(syntheticReport());
    expect(again.markdown).toBe(markdown);
    expect(again.html).toBe(rendered.html);
    expect(again.charts).toEqual(rendered.charts);
  });
});

describe("writeReport", () => {
  it("writes the README, the page, every chart and the results, and returns their paths", async () => {
    const out = join(scratch, "nested", "report");
    const paths = await writeReport(report, out);
    const names = paths.map((p) => p.slice(out.length + 1));
    expect(names).toEqual(["README.md", "index.html", ...rendered.charts.map((c) => c.file), "results.json"]);
    expect(readFileSync(join(out, "README.md"), "utf8")).toBe(markdown);
    expect(readFileSync(join(out, "index.html"), "utf8")).toBe(rendered.html);
    for (const c of rendered.charts) expect(readFileSync(join(out, c.file), "utf8")).toBe(`${c.svg}\n`);
    expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8"))).toEqual(report);
  });
});
