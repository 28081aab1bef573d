/**
 * The targets from the issue, each a ratio of two results of this run, and a
 * plain sentence for every one Ratchet misses: a report that buries a missed
 * target in a table cell is not doing its job.
 */
import type { TargetOutcome } from "../../bench/model.ts";
import { heading, left, paragraph, right, table, type Block, type Section, type Text } from "../document.ts";
import { formatRatio } from "../format.ts";

function outcome(target: TargetOutcome): Text {
  if (target.met === null) return "not measured";
  return target.met ? "met" : { strong: "NOT met" };
}

function tally(targets: readonly TargetOutcome[]): string {
  const met = targets.filter((t) => t.met === true).length;
  const missed = targets.filter((t) => t.met === false).length;
  const unmeasured = targets.filter((t) => t.met === null).length;
  const parts = [`${met} of ${targets.length} targets met`];
  if (missed > 0) parts.push(`${missed} not met`);
  if (unmeasured > 0) parts.push(`${unmeasured} not measured`);
  return `${parts.join(", ")}.`;
}

function missedSentence(target: TargetOutcome): Block {
  const detail = target.detail === "" ? "" : ` ${target.detail.replace(/\.?$/, ".")}`;
  return paragraph([
    { strong: `Target not met: ${target.name}.` },
    ` It requires ${target.statement}; this run measured ${formatRatio(target.ratio)} where at least ${formatRatio(target.required)} is required.${detail}`,
  ]);
}

function unmeasuredSentence(target: TargetOutcome): Block {
  const why = target.detail === "" ? "no reason was recorded" : target.detail;
  return paragraph(`Not measured: ${target.name} (${target.statement}), because ${why.replace(/\.$/, "")}.`);
}

export function targetsSection(targets: readonly TargetOutcome[]): Section {
  const blocks: Block[] = [heading(2, "Targets")];
  if (targets.length === 0) {
    blocks.push(paragraph("No targets were evaluated in this run."));
    return { blocks, charts: [] };
  }
  const columns = [left("target"), left("statement"), right("required"), right("measured"), left("outcome"), left("detail")];
  const rows = targets.map((t) => [t.name, t.statement, `≥ ${formatRatio(t.required)}`, formatRatio(t.ratio), outcome(t), t.detail]);
  blocks.push(table(columns, rows), paragraph(tally(targets)));
  for (const t of targets) if (t.met === false) blocks.push(missedSentence(t));
  for (const t of targets) if (t.met === null) blocks.push(unmeasuredSentence(t));
  return { blocks, charts: [] };
}
