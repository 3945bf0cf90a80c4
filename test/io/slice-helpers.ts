/** Helpers of the tests of sources read in slices: the slices of every batch against the whole-file reader. */
import { expect } from 'vitest';
import { weightedBounds, type Source, type SourceReader, type SourceSlice } from '../../src/io/connector.js';

/**
 * Uneven weights that change from batch to batch, some 0 (an empty slice): how a runtime
 * that balances the slices may cut them (`SourceSlice.bounds`).
 */
export function skewed(batch: number, count: number): number[] {
  const w: number[] = Array.from({ length: count }, (_, i) => (batch * 7 + i * 13) % 6);
  if (!w.some((x) => x > 0)) w[0] = 1;
  return w;
}

/** Slice `index` of `count`, cut by `weights` of the batch `batch()` says is being polled (else equal). */
export function sliceOf(index: number, count: number, batch: () => number, weights?: (batch: number, count: number) => readonly number[]): SourceSlice {
  return { index, count, ...(weights ? { bounds: (n: number) => weightedBounds(n, weights(batch(), count), index) } : {}) };
}

export const ctx = { operator: 'source#0', deadLetter: () => {} };
/** A context that keeps the dead letters it gets. */
export const keeping = () => { const dead: string[] = []; return { dead, ctx: { operator: 'source#0', deadLetter: (o: string, r: string, raw: string) => { dead.push(`${o} ${r} ${raw}`); } } }; };

/** Every batch of a reader: records, done, position after it. */
export async function drain<T>(r: SourceReader<T>, max: number): Promise<Array<{ records: T[]; done: boolean; position: unknown }>> {
  const out = [];
  for (let i = 0; i < 10_000; i++) {
    const { records, done } = await r.poll(max, true);
    out.push({ records, done, position: r.position?.() });
    if (done) break;
  }
  await r.close();
  return out;
}

/**
 * Checks that the slices of every batch of `source`, for 1 to 4 slices (or `counts`), concatenated are the
 * whole-file batches: records, end of input, positions, and the dead letters sent while
 * reading the batch. With `weights`, the slices of each batch are cut by that batch's
 * weights, as a runtime that balances them does. Returns the whole-file reader's dead letters.
 */
export async function slicesAreWhole<T>(source: () => Source<T>, maxes: number[], counts = [1, 2, 3, 4], weights?: (batch: number, count: number) => readonly number[]): Promise<string[]> {
  let dead: string[] = [];
  for (const max of maxes) {
    for (const count of counts) {
      const w = keeping();
      const whole = source().open(w.ctx);
      const ks = [...Array(count).keys()].map(() => keeping());
      let batch = 0;
      const slices = ks.map((k, index) => source().openSlice!(k.ctx, sliceOf(index, count, () => batch, weights)));
      for (; ; batch++) {
        const before = [w.dead.length, ...ks.map((k) => k.dead.length)];
        const b = await whole.poll(max, true);
        const parts = await Promise.all(slices.map((r) => r.poll(max, true)));
        expect(parts.map((p) => p.done)).toEqual(parts.map(() => b.done));
        expect(slices.map((r) => r.position?.())).toEqual(slices.map(() => whole.position?.()));
        // As JSON: a deep equality of 100 k records a batch costs seconds.
        expect(JSON.stringify(parts.flatMap((p) => p.records))).toBe(JSON.stringify(b.records));
        expect(b.records.length).toBeLessThanOrEqual(max);
        // Each slice sends the dead letters of its own lines: in slice order, they are the whole-file reader's, in line order.
        expect(ks.flatMap((k, i) => k.dead.slice(before[i + 1]))).toEqual(w.dead.slice(before[0]));
        if (b.done) break;
        expect(batch).toBeLessThan(10_000);
      }
      await Promise.all([whole, ...slices].map((r) => r.close()));
      dead = w.dead;
    }
  }
  return dead;
}

