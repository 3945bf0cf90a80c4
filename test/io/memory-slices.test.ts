import { describe, expect, it } from 'vitest';
import { batches, fromIterable } from '../../src/io/sources/memory.js';
import type { Source, SourceReader } from '../../src/io/connector.js';
import { skewed, sliceOf } from './slice-helpers.js';

const ctx = { operator: 'source#0', deadLetter: () => {} };

/** Polls the whole reader and `count` slice readers in step: the slices of every batch, concatenated, are the batch; done and positions agree. */
async function slicesAreWhole<T>(source: Source<T>, max: number, count: number, resumeFrom?: unknown, weights?: typeof skewed): Promise<T[][]> {
  const whole = source.open(ctx, resumeFrom);
  let k = 0;
  const slices: SourceReader<T>[] = [...Array(count).keys()].map((index) => source.openSlice!(ctx, sliceOf(index, count, () => k, weights), resumeFrom));
  const out: T[][] = [];
  for (; k < 10_000; k++) {
    const b = await whole.poll(max, true);
    const parts = await Promise.all(slices.map((r) => r.poll(max, true)));
    expect(parts.flatMap((p) => p.records)).toEqual(b.records);
    expect(parts.map((p) => p.done)).toEqual(parts.map(() => b.done));
    expect(slices.map((r) => r.position!())).toEqual(slices.map(() => whole.position!()));
    out.push(b.records);
    if (b.done) return out;
  }
  throw new Error('never done');
}

describe('memory sources read in slices', () => {
  const items = Array.from({ length: 23 }, (_, i) => ({ i, s: `r${i}` }));

  it('fromIterable over an array: slices of every batch are the batch, for any batch size and slice count, also after a resume', async () => {
    for (const max of [1, 2, 5, 23, 100]) {
      for (const count of [1, 2, 3, 4]) {
        const got = await slicesAreWhole(fromIterable(items), max, count);
        expect(got.flat()).toEqual(items);
        expect((await slicesAreWhole(fromIterable(items), max, count, 9)).flat()).toEqual(items.slice(9));
      }
    }
    expect((await slicesAreWhole(fromIterable([]), 5, 3))).toEqual([[]]);
    // Balanced slices: uneven weights that change every batch.
    for (const count of [2, 3]) expect((await slicesAreWhole(fromIterable(items), 4, count, undefined, skewed)).flat()).toEqual(items);
    expect((await slicesAreWhole(fromIterable(items), 5, 2, 40))).toEqual([[]]);
  });

  it('fromIterable over a generator cannot be read in slices (every worker would run its own generator)', () => {
    function* gen() { yield 1; }
    expect(fromIterable(gen()).openSlice).toBeUndefined();
    expect(fromIterable(new Set([1])).openSlice).toBeUndefined();
  });

  it('batches: one input batch a poll, each slice its contiguous part of it', async () => {
    const input = [[1, 2, 3, 4, 5], [], [6], [7, 8, 9, 10, 11, 12, 13]];
    for (const count of [1, 2, 3, 4]) {
      expect(await slicesAreWhole(batches(input), 2, count)).toEqual(input);
      expect(await slicesAreWhole(batches(input), 2, count, 2)).toEqual(input.slice(2));
      expect(await slicesAreWhole(batches(input), 2, count, undefined, skewed)).toEqual(input);
    }
    const halves = batches(input);
    expect([0, 1].map((index) => halves.openSlice!(ctx, { index, count: 2 }).poll(1, true))).toEqual([
      { records: [1, 2], done: false }, { records: [3, 4, 5], done: false },
    ]);
  });

  it('the digest of the records before a position: the same for equal records, another for other records, order or batches; records after it do not count', () => {
    const d = (x: unknown[][], at = x.length) => batches(x).inputDigest!(at);
    expect(d([[1, 'a'], [{ x: 1 }]])).toBe(d([[1, 'a'], [{ x: 1 }]]));
    expect(d([[1, 'a'], [{ x: 1 }]])).not.toBe(d([['a', 1], [{ x: 1 }]]));
    expect(d([[1, 2], [3]])).not.toBe(d([[1], [2, 3]]));
    expect(d([[1, 2], [3]], 1)).toBe(d([[1, 2], [4, 5]], 1));
    expect(d([[() => 1]])).toBeUndefined();
    const a = fromIterable([1, 2, 3, 4]);
    expect(a.inputDigest!(2)).toBe(fromIterable([1, 2, 4, 3]).inputDigest!(2));
    expect(a.inputDigest!(4)).not.toBe(fromIterable([1, 2, 4, 3]).inputDigest!(4));
    // Asked in any order, incrementally or not: the same digests.
    expect([a.inputDigest!(3), a.inputDigest!(1), a.inputDigest!(4)]).toEqual([3, 1, 4].map((n) => fromIterable([1, 2, 3, 4]).inputDigest!(n)));
    expect(a.inputDigest!('x')).toBeUndefined();
  });
});
