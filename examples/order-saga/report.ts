/** Plain-text rendering of the demo's summary: one row per order, then the checks. */
import { STEP_NAMES, type OrderReport, type OrderSagaSummary, type StepReport } from "./summary.ts";

export function formatOrderTable(orders: OrderReport[]): string[] {
  const header = ["order", "story", "status", ...STEP_NAMES, "outcome"];
  const rows = orders.map((o) => [o.orderId, o.story, o.status, ...STEP_NAMES.map((step) => formatStep(o.steps[step])), o.outcome]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const render = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  ");
  return [
    "Attempts per step (the attempt that settled it; - = not run):",
    render(header),
    render(widths.map((w) => "-".repeat(w))),
    ...rows.map(render),
  ];
}

function formatStep(step: StepReport | undefined): string {
  if (!step) return "-";
  return step.outcome === "completed" ? String(step.attempts) : `${step.attempts} failed`;
}

export function formatChecks(summary: OrderSagaSummary): string[] {
  const lines = summary.checks.map((c) => `${c.passed ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`);
  const failed = summary.checks.filter((c) => !c.passed).length;
  const verdict = failed === 0 ? `All ${summary.checks.length} checks passed.` : `${failed} of ${summary.checks.length} checks FAILED.`;
  return ["Checks:", ...lines, verdict];
}
