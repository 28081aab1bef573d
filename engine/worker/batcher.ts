/**
 * Work that finishes close together shares a round trip: a Batcher collects
 * items submitted within one burst (or up to `max`), hands them to one batch
 * call, and resolves each item with its own outcome. The worker uses it to
 * record activity results and workflow-task decisions many per transaction,
 * and to load many runs' histories per query.
 *
 * With `inFlightMax`, at most that many batch calls run at once; items
 * submitted meanwhile wait and go together when one finishes (group
 * commit: the busier the worker, the bigger its batches, and an idle one
 * still flushes at once).
 *
 * Items with the same key never share a batch (a second workflow task of the
 * same run waits for the next one). If a batch call fails and `one` is
 * given, the items are retried one by one, so one bad item cannot sink the
 * others.
 */
import type { Clock } from "../ports/clock.ts";

interface Pending<I, O> {
  item: I;
  resolve: (outcome: O) => void;
  reject: (err: unknown) => void;
}

export interface BatcherOptions<I, O> {
  clock: Clock;
  max: number;
  /** How long the first item of a batch waits for others (0: until the current burst of work yields). */
  delayMs: number;
  many: (items: I[]) => Promise<O[]>;
  one?: (item: I) => Promise<O>;
  key?: (item: I) => string;
  /** Batch calls running at once, at most (default: no limit). */
  inFlightMax?: number;
}

export class Batcher<I, O> {
  private pending: Array<Pending<I, O>> = [];
  private armed = false;
  private inFlight = 0;

  constructor(private readonly options: BatcherOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.max) this.flush();
      else this.arm();
    });
  }

  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    void this.options.clock.sleep(this.options.delayMs).then(() => {
      this.armed = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length > 0 && this.inFlight < (this.options.inFlightMax ?? Infinity)) {
      const batch: Array<Pending<I, O>> = [];
      const keys = new Set<string>();
      const later: Array<Pending<I, O>> = [];
      for (const p of this.pending) {
        const key = this.options.key?.(p.item);
        if (batch.length >= this.options.max || (key !== undefined && keys.has(key))) later.push(p);
        else {
          batch.push(p);
          if (key !== undefined) keys.add(key);
        }
      }
      this.pending = later;
      void this.run(batch);
      if (later.length > 0 && batch.length < this.options.max) {
        // Only duplicates are left: they go in the next burst, after this batch.
        this.arm();
        return;
      }
    }
  }

  private async run(batch: Array<Pending<I, O>>): Promise<void> {
    this.inFlight += 1;
    try {
      await this.call(batch);
    } finally {
      this.inFlight -= 1;
      // What waited for a free call goes now (after the burst that finished this one yields).
      if (this.pending.length > 0) this.arm();
    }
  }

  private async call(batch: Array<Pending<I, O>>): Promise<void> {
    try {
      const outcomes = await this.options.many(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (err) {
      const one = this.options.one;
      if (!one || batch.length === 1) {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) {
        try {
          p.resolve(await one(p.item));
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }
}
