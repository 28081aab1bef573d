/**
 * The top of the report: its title, one paragraph on what was measured and
 * where, and the exact command that produced it (so anyone can run it again
 * on their own Postgres).
 */
import type { BenchReport } from "../../bench/model.ts";
import { heading, paragraph, type Section } from "../document.ts";
import { formatBytes } from "../format.ts";
import { groupByWorkload, SYSTEM_ORDER } from "../workloads.ts";

export function defaultTitle(report: BenchReport): string {
  // startedAt is an ISO timestamp; its date is what tells reports apart in a list.
  const date = report.startedAt.slice(0, 10);
  return date === "" ? "Ratchet benchmarks" : `Ratchet benchmarks, ${date}`;
}

function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function summarySection(report: BenchReport, title: string): Section {
  const systems = [...new Set(report.results.map((r) => r.system))].sort((a, b) => SYSTEM_ORDER.indexOf(a) - SYSTEM_ORDER.indexOf(b));
  const workloads = groupByWorkload(report.results).map((g) => g.workload);
  const m = report.machine;
  const measured =
    report.results.length === 0
      ? "No throughput results were recorded in this run."
      : `Throughput and latency of ${listWords(systems)} on the ${listWords(workloads)} ${workloads.length === 1 ? "workload" : "workloads"} (${plural(report.results.length, "result")}${report.micro.length > 0 ? `, plus ${plural(report.micro.length, "micro-benchmark")}` : ""}).`;
  const where = `Run on ${plural(m.cpus, "CPU")} (${m.cpuModel}, ${formatBytes(m.memoryBytes)} memory, ${m.platform}) with the database on ${m.databaseHost}, started ${report.startedAt}.`;
  const why = "Every comparison is a ratio against a baseline measured in this same run on the same database server: the machines are shared and noisy, so a bare number from another run is not comparable.";
  return {
    blocks: [
      heading(1, title),
      paragraph(`${measured} ${where} ${why}`),
      heading(2, "Command"),
      paragraph("This report was produced by:"),
      { kind: "code", language: "sh", text: report.command },
    ],
    charts: [],
  };
}
