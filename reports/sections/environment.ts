/**
 * Where the numbers come from: the machine, every component's version and
 * every setting, exactly as recorded, so a reader can tell whether their
 * setup is comparable and anyone can reproduce the run.
 */
import type { BenchReport } from "../../bench/model.ts";
import { heading, left, paragraph, table, type Block, type Section } from "../document.ts";
import { formatBytes, formatExactValue } from "../format.ts";

function keyValueTable(header: [string, string], entries: ReadonlyArray<[string, string]>, emptyText: string): Block {
  if (entries.length === 0) return paragraph(emptyText);
  return table(
    [left(header[0]), left(header[1])],
    entries.map(([key, value]) => [{ code: key }, value]),
  );
}

export function environmentSection(report: BenchReport): Section {
  const m = report.machine;
  const machine: Block = table(
    [left("machine"), left("value")],
    [
      ["CPUs", String(m.cpus)],
      ["CPU model", m.cpuModel],
      ["memory", formatBytes(m.memoryBytes)],
      ["platform", m.platform],
      ["database host", m.databaseHost],
      ["run started", report.startedAt],
    ],
  );
  return {
    blocks: [
      heading(2, "Machine, versions and settings"),
      heading(3, "Machine"),
      machine,
      heading(3, "Versions"),
      keyValueTable(["component", "version"], Object.entries(report.versions), "No versions were recorded."),
      heading(3, "Settings"),
      paragraph("Server and harness settings that apply to every result (a result's own knobs are in its table)."),
      keyValueTable(
        ["setting", "value"],
        Object.entries(report.settings).map(([k, v]) => [k, formatExactValue(v)]),
        "No settings were recorded.",
      ),
    ],
    charts: [],
  };
}
