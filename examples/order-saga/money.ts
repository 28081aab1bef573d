/** Amounts travel as integer cents (no float rounding); this renders them for people. */
export function formatUsd(amountCents: number): string {
  return `$${(amountCents / 100).toFixed(2)}`;
}
