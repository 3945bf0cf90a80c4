import { describe, expect, it } from 'vitest';
import { Sources } from '../../src/index.js';

const ctx = { operator: 'source#0', deadLetter: () => {} };

describe('Sources.fromIterable', () => {
  it('polls at most max records, in order, and says when it is drained', () => {
    const r = Sources.fromIterable([1, 2, 3, 4, 5]).open(ctx);
    expect(r.poll(2, true)).toEqual({ records: [1, 2], done: false });
    expect(r.poll(2, true)).toEqual({ records: [3, 4], done: false });
    expect(r.poll(2, true)).toEqual({ records: [5], done: true });
    expect(r.position!()).toBe(5);
  });

  it('fills batches larger than its pre-sized buffer without losing records', () => {
    const n = (1 << 20) + 7;
    function* gen() { for (let i = 0; i < n; i++) yield i; }
    const r = Sources.fromIterable(gen()).open(ctx);
    const { records, done } = r.poll(n + 100, true) as { records: number[]; done: boolean };
    expect(done).toBe(true);
    expect(records.length).toBe(n);
    expect(records[0]).toBe(0);
    expect(records[n - 1]).toBe(n - 1);
    expect(records.every((x, i) => x === i)).toBe(true);
  });

  it('resumes after a position', () => {
    const r = Sources.fromIterable(['a', 'b', 'c']).open(ctx, 2);
    expect(r.poll(10, true)).toEqual({ records: ['c'], done: true });
  });
});
