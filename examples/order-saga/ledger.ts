/**
 * An effect ledger: what a downstream service keeps so that its effects
 * happen once per idempotency key. Ratchet delivers an activity at least
 * once (a worker can crash after the effect and before recording it), so a
 * repeated request must not apply the effect again; it gets the receipt of
 * the first one, as Stripe-style idempotency keys do.
 */
export interface LedgerEntry<R> {
  idempotencyKey: string;
  orderId: string;
  receipt: R;
  /** Requests that carried this key: the one applied plus the duplicates answered from the ledger. */
  calls: number;
}

export class EffectLedger<R> {
  private readonly byKey = new Map<string, LedgerEntry<R>>();

  /** Apply `effect` unless this key was applied before; a repeat returns the first receipt untouched. */
  applyOnce(idempotencyKey: string, orderId: string, effect: () => R): { receipt: R; deduplicated: boolean } {
    const existing = this.byKey.get(idempotencyKey);
    if (existing) {
      existing.calls += 1;
      return { receipt: existing.receipt, deduplicated: true };
    }
    const receipt = effect();
    this.byKey.set(idempotencyKey, { idempotencyKey, orderId, receipt, calls: 1 });
    return { receipt, deduplicated: false };
  }

  entries(): LedgerEntry<R>[] {
    return [...this.byKey.values()];
  }

  /** Effects applied for one order (each key counts once, however often it was repeated). */
  effectsFor(orderId: string): LedgerEntry<R>[] {
    return this.entries().filter((e) => e.orderId === orderId);
  }
}
