/**
 * One service's effect ledger: what it has applied, keyed by the idempotency
 * key the caller presented. The first request with a key applies the effect
 * and issues a receipt; any later request with that key gets the same
 * receipt back and applies nothing. This is what makes an activity that is
 * delivered at least once take effect exactly once.
 */
import type { ServiceName } from "../model.ts";

export interface LedgerEntry {
  key: string;
  operation: string;
  receipt: string;
  /** The step (`runId:seq`) whose call applied it. */
  step: string;
  appliedAtMs: number;
}

export type LedgerLookup = { kind: "new" } | { kind: "duplicate"; entry: LedgerEntry } | { kind: "conflict"; entry: LedgerEntry };

export class EffectLedger {
  private readonly entries = new Map<string, LedgerEntry>();

  constructor(readonly service: ServiceName) {}

  /** How a request with this key and operation would be treated, without changing anything. */
  lookup(key: string, operation: string): LedgerLookup {
    const entry = this.entries.get(key);
    if (entry === undefined) return { kind: "new" };
    return entry.operation === operation ? { kind: "duplicate", entry } : { kind: "conflict", entry };
  }

  /** Record a new effect under `key` (which must be new) and issue its receipt. */
  apply(key: string, operation: string, step: string, atMs: number): LedgerEntry {
    if (this.entries.has(key)) throw new Error(`EffectLedger(${this.service}).apply: key ${key} already applied (look it up first)`);
    // Receipts number effects in the order this service applied them: deterministic for a given call order.
    const entry: LedgerEntry = { key, operation, receipt: `${this.service}-${operation}-${this.entries.size + 1}`, step, appliedAtMs: atMs };
    this.entries.set(key, entry);
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): LedgerEntry | undefined {
    return this.entries.get(key);
  }
}
